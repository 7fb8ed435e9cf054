"""A rich progress bar usable as an embedder's `progress` callback, one task per embedding pass."""

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


class EmbeddingProgress:
    """`with EmbeddingProgress(console) as progress:` then `progress.task("items", n)` before each
    `embed` call; the embedder calls `progress(done)` after every batch."""

    def __init__(self, console: Console | None = None):
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> EmbeddingProgress:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.__exit__(*exc)

    def task(self, description: str, total: int) -> None:
        self._task = self._bar.add_task(description, total=total)

    def __call__(self, done: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, done)
