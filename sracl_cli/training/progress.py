"""What training prints: a progress bar per epoch and one line per finished epoch."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def epoch_progress(console: Console, enabled: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[losses]}"),
        TextColumn("{task.fields[rate]:,.0f} samples/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )


def print_epoch(console: Console, epoch: int, stats: dict, valid: dict, metric: str, improved: bool) -> None:
    parts = "  ".join(f"{name} {value:.4f}" for name, value in stats["losses"].items())
    star = " *" if improved else ""
    console.print(
        f"epoch {epoch:3d}  loss {stats['loss']:.4f} ({parts})  valid {metric} {valid[metric]:.4f}  "
        f"{stats['samples_per_s']:,.0f} samples/s  {stats['seconds']:.1f} s{star}"
    )
