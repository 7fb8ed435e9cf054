"""HR, NDCG and MRR at several cut-offs, from the 0-based rank of each target item."""

from __future__ import annotations

import numpy as np

METRICS = ("hr", "ndcg", "mrr")


def metrics_from_ranks(ranks: np.ndarray, ks: list[int]) -> dict[str, float]:
    """`ranks[i]` is the target's 0-based position in the ranking; any value >= max(ks) means "not in the top".

    HR@k = share of targets ranked < k; NDCG@k = mean 1/log2(rank + 2) over hits; MRR@k = mean 1/(rank + 1).
    """
    ranks = np.asarray(ranks, dtype=np.float64)
    results: dict[str, float] = {}
    for k in ks:
        hit = ranks < k
        results[f"hr@{k}"] = float(hit.mean())
        results[f"ndcg@{k}"] = float(np.where(hit, 1.0 / np.log2(ranks + 2.0), 0.0).mean())
        results[f"mrr@{k}"] = float(np.where(hit, 1.0 / (ranks + 1.0), 0.0).mean())
    return results
