"""What a batch job shows while it polls: requests the server has processed, and shards finished."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sracl_cli.progress_lines import BarOrLines, ProgressLines


class BatchProgress(BarOrLines):
    """`progress.update(requests_done, shards_done)` after each poll. A rich bar on a terminal; elsewhere a
    plain line every 10 % or 30 s."""

    def __init__(self, console: Console, shards: int, total: int):
        self._shards = shards
        if console.is_terminal:
            self._bar = Progress(TextColumn("[bold]LLM batch"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[shards]}"), TimeElapsedColumn(), console=console)
            self._task = self._bar.add_task("batch", total=total, shards=self._shards_done(0))
        else:
            self._lines = ProgressLines(console, "LLM batch", total, "requests")

    def update(self, done: int, shards_done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, shards=self._shards_done(shards_done))
        elif self._lines is not None:
            self._lines.update(done, details=self._shards_done(shards_done))

    def _shards_done(self, done: int) -> str:
        return f"{done}/{self._shards} shards finished"
