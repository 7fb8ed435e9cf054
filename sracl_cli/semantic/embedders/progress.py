"""The progress of embedding passes, usable as an embedder's `progress` callback, one task per pass.

On a terminal a rich bar; elsewhere (a log file, a pipe) a plain line every 10 % or 30 s (`progress_lines.py`).
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sracl_cli.progress_lines import BarOrLines, ProgressLines


class EmbeddingProgress(BarOrLines):
    """`with EmbeddingProgress(console) as progress:` then `progress.task("items", n)` before each
    `embed` call; the embedder calls `progress(done)` after every batch (`done`: texts in that batch)."""

    def __init__(self, console: Console | None = None):
        self._console = console or Console()
        self._bar: Progress | None = None
        if self._console.is_terminal:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self._console,
            )
        self._task: TaskID | None = None
        self._lines: ProgressLines | None = None

    def task(self, description: str, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(description, total=total)
            return
        if self._lines is not None:
            self._lines.__exit__(None, None, None)
        self._lines = ProgressLines(self._console, description, total, "texts").__enter__()

    def __call__(self, done: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, done)
        elif self._lines is not None:
            self._lines.advance(done)
