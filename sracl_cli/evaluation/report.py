"""Metrics as a rich table (metric x cut-off) and as metrics.json."""

from __future__ import annotations

from rich.table import Table

from sracl_cli.evaluation.metrics import METRICS


def metrics_table(metrics: dict[str, float], ks: list[int], title: str) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    for k in ks:
        table.add_column(f"@{k}", justify="right")
    for name in METRICS:
        table.add_row(name.upper() if name != "ndcg" else "NDCG", *(f"{metrics[f'{name}@{k}']:.4f}" for k in ks))
    return table
