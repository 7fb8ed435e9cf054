"""What training prints: the progress of each epoch and one line per finished epoch.

On a terminal the progress is a transient rich bar; elsewhere (a log file, a pipe) it is a plain line every
10 % of the epoch or 30 s (`progress_lines.py`), so a long epoch is never silent in a log.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sracl_cli.progress_lines import BarOrLines, ProgressLines


class EpochProgress(BarOrLines):
    """`with EpochProgress(console, "epoch 3", n_batches) as progress:` then `progress.advance(losses, rate)`
    after each batch (`losses`: the running means as text, `rate`: samples per second)."""

    def __init__(self, console: Console, description: str, batches: int, enabled: bool = True):
        self._bar: Progress | None = None
        self._lines: ProgressLines | None = None
        if enabled and console.is_terminal:
            self._bar = _rich_bar(console)
            self._task = self._bar.add_task(description, total=batches, losses="", rate=0.0)
        elif enabled:
            self._lines = ProgressLines(console, description, batches, "batches")

    def advance(self, losses: str, rate: float) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, losses=losses, rate=rate)
        elif self._lines is not None:
            self._lines.advance(1, rate=f"{rate:,.0f} samples/s", details=losses)


def _rich_bar(console: Console) -> Progress:
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
    )


def print_epoch(console: Console, epoch: int, stats: dict, valid: dict, metric: str, improved: bool) -> None:
    parts = "  ".join(f"{name} {value:.4f}" for name, value in stats["losses"].items())
    star = " *" if improved else ""
    console.print(
        f"epoch {epoch:3d}  loss {stats['loss']:.4f} ({parts})  valid {metric} {valid[metric]:.4f}  "
        f"{stats['samples_per_s']:,.0f} samples/s  {stats['seconds']:.1f} s{star}",
        soft_wrap=True,
    )
