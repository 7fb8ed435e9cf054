"""recall@k against exact search: misses count, ties with the k-th exact neighbour do not."""

from __future__ import annotations

import numpy as np
from rich.console import Console

from sracl_cli import kinds, registry
from sracl_cli.retrieval.recall import recall_at_k, sample_queries, warn_if_low

VECTORS = np.array([[0, 0], [1, 0], [0.8, 0.6], [0.8, 0.6], [0, 1], [-1, 0]], dtype=np.float32)
QUERY = np.array([[1, 0]], dtype=np.float32)


def test_identical_rows_score_one():
    assert recall_at_k(np.array([[1, 2]]), np.array([[1, 2]]), QUERY, VECTORS) == 1.0


def test_a_tie_with_the_kth_exact_neighbour_is_a_hit():
    # ids 2 and 3 have the same vector: either may be the second neighbour
    assert recall_at_k(np.array([[1, 3]]), np.array([[1, 2]]), QUERY, VECTORS) == 1.0


def test_a_worse_neighbour_is_a_miss():
    assert recall_at_k(np.array([[1, 4]]), np.array([[1, 2]]), QUERY, VECTORS) == 0.5
    assert recall_at_k(np.array([[5, 4]]), np.array([[1, 2]]), QUERY, VECTORS) == 0.0


def test_sample_is_sorted_reproducible_and_capped():
    sample = sample_queries(10_000, 100)
    assert len(set(sample)) == 100 and (np.diff(sample) > 0).all()
    np.testing.assert_array_equal(sample, sample_queries(10_000, 100))
    np.testing.assert_array_equal(sample_queries(5, 100), np.arange(5))


def test_low_recall_advice_comes_from_the_store():
    def warning(hint: str, recall: float = 0.5) -> str:
        console = Console(record=True, width=300)
        warn_if_low(console, "units", recall, 10, hint)
        return console.export_text()

    chroma = registry.load(kinds.VECTOR_STORE, "chroma").recall_hint
    assert "raise index.hnsw_search_ef (or hnsw_construction_ef / hnsw_m), or use store = \"exact\"" in warning(chroma)
    assert "recall@10 of the vector store is 0.500" in warning("") and "tune the store, or use" in warning("")
    assert warning(chroma, recall=0.99) == ""
