"""Metrics as a rich table (metric x cut-off): one run's values, or mean ± std over seeds."""

from __future__ import annotations

from collections.abc import Callable

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
