"""Metrics as a rich table (metric x cut-off): one run's values, or mean ± std over seeds; and how to read them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rich.table import Table

from sracl_cli.evaluation.metrics import METRICS


def metrics_table(metrics: dict[str, float], ks: list[int], title: str) -> Table:
    return _metric_grid(title, ks, lambda key: f"{metrics[key]:.4f}")


def summary_table(summary: dict[str, dict], ks: list[int], title: str) -> Table:
    """`summary`: metric name → {"mean", "std", ...} as in summary.json."""
    return _metric_grid(title, ks, lambda key: mean_std(summary[key]["mean"], summary[key]["std"]))


def mean_std(mean: float, std: float | None) -> str:
    return f"{mean:.4f}" if std is None else f"{mean:.4f} ± {std:.4f}"


def _metric_grid(title: str, ks: list[int], cell: Callable[[str], str]) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    for k in ks:
        table.add_column(f"@{k}", justify="right")
    for name in METRICS:
        table.add_row(name.upper() if name != "ndcg" else "NDCG", *(cell(f"{name}@{k}") for k in ks))
    return table


def random_ranker(n_items: int, k: int) -> dict[str, float]:
    """What a uniformly random full ranking of `n_items` scores in expectation: the target is at each rank
    with probability 1 / n_items (a little more with eval.mask_history, which shrinks the candidates)."""
    ranks = np.arange(min(k, n_items))
    return {"hr": len(ranks) / n_items, "ndcg": float(np.sum(1.0 / np.log2(ranks + 2.0))) / n_items,
            "mrr": float(np.sum(1.0 / (ranks + 1.0))) / n_items}


def reading(metrics: dict[str, float], ks: list[int], n_items: int, users: int, over_seeds: int = 0) -> str:
    """One paragraph saying what the test metrics mean and what chance would score on this data."""
    k = sorted(ks)[len(ks) // 2]
    chance = random_ranker(n_items, k)
    hr, ndcg = metrics[f"hr@{k}"], metrics[f"ndcg@{k}"]
    times = f" ({hr / chance['hr']:,.0f}x chance)" if hr else ""
    which = f"the mean over {over_seeds} seeds" if over_seeds else "this run"
    return (
        f"Reading the metrics: each of the {users:,} test users' held-out next item is looked up in the model's "
        f"ranking of all {n_items:,} items. HR@k is the share of users whose item is in the top k; NDCG@k also "
        f"credits its place (1 at rank 1, 1/log2(rank + 1) down to rank k, 0 below); MRR@k is the mean 1/rank "
        f"within the top k. A uniformly random ranker would score HR@{k} ≈ {k}/{n_items:,} = {chance['hr']:.4f} "
        f"and NDCG@{k} ≈ {chance['ndcg']:.4f} here; {which} has HR@{k} = {hr:.4f}{times} and NDCG@{k} = "
        f"{ndcg:.4f}. Figures near chance mean the model has not learned yet (more epochs or more data); with "
        f"few test users a single hit moves HR by 1/{users:,} = {1 / users:.4f}, so a 0.0000 on a small subset "
        f"can be chance rather than a fault."
    )
