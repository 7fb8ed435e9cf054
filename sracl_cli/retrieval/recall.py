"""Recall check: an approximate store's neighbour rows against exact search, on a sample of queries.

A neighbour counts as found when exact search returned it too, or when it is exactly as similar as the
k-th exact neighbour: units with identical texts (two users starting with the same item) have identical
vectors, and which of them wins a tie is arbitrary.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console

from sracl_cli.retrieval.neighbors import Pool, search

WARN_BELOW = 0.98
TIE_TOLERANCE = 1e-5
SAMPLE_SEED = 0


def sample_queries(n_queries: int, sample_size: int) -> np.ndarray:
    """Sorted positions of `sample_size` queries drawn without replacement (all when fewer)."""
    if sample_size >= n_queries:
        return np.arange(n_queries)
    return np.sort(np.random.default_rng(SAMPLE_SEED).choice(n_queries, sample_size, replace=False))


def recall_at_k(found: np.ndarray, exact: np.ndarray, query_vectors: np.ndarray, vectors_by_id: np.ndarray) -> float:
    """Mean fraction of each row of `found` [n, k] that matches exact search's row (ties count)."""
    if len(found) == 0:
        return 1.0
    in_exact = (found[:, :, None] == exact[:, None, :]).any(axis=2)
    found_similarity = np.einsum("nd,nkd->nk", query_vectors, vectors_by_id[found])
    kth_exact = np.einsum("nd,nkd->nk", query_vectors, vectors_by_id[exact]).min(axis=1, keepdims=True)
    return float((in_exact | (found_similarity >= kth_exact - TIE_TOLERANCE)).mean())


def warn_if_low(console: Console, what: str, recall: float, k: int, hint: str = "") -> None:
    """`hint`: the store's advice (`StoreSpec.recall_hint`), e.g. which of its [index] keys to raise."""
    if recall < WARN_BELOW:
        advice = f"{hint}, or use" if hint else "tune the store, or use"
        console.print(
            f"[yellow]warning: {what} recall@{k} of the vector store is {recall:.3f} (< {WARN_BELOW}); "
            f"{advice} store = \"exact\"[/yellow]"
        )


def sampled_recall(table: np.ndarray, vectors_by_id: np.ndarray, query_ids: np.ndarray, rule, pool: Pool, k: int,
                   sample_size: int) -> float:
    """recall@k of `table` (rows indexed by query id) against exact search, on a sample of `query_ids`."""
    sample = query_ids[sample_queries(len(query_ids), sample_size)]
    exact = search(pool.exact_store(), vectors_by_id[sample], sample, k, rule, pool)
    return recall_at_k(table[sample].astype(np.int64), exact, vectors_by_id[sample], vectors_by_id)
