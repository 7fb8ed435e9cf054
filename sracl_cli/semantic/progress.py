"""What the generation shows: the progress of the calls while they run, and a summary table at the end."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from sracl_cli.progress_lines import BarOrLines, ProgressLines


class CallRateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} calls/s" if speed else "- calls/s", style="progress.data.speed")


class GenerationProgress(BarOrLines):
    """`with GenerationProgress(console, "litellm", n) as progress:` then `progress.advance(tokens, cost)` after
    each reply (tokens and USD so far). A rich bar on a terminal; elsewhere a plain line every 10 % or 30 s."""

    def __init__(self, console: Console, description: str, total: int):
        self._bar: Progress | None = None
        self._lines: ProgressLines | None = None
        if console.is_terminal:
            self._bar = _rich_bar(console)
            self._task = self._bar.add_task(description, total=total, tokens=0, cost=0.0)
        else:
            self._lines = ProgressLines(console, f"LLM ({description})", total, "calls")

    def advance(self, tokens: int, cost: float) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, tokens=tokens, cost=cost)
        elif self._lines is not None:
            self._lines.advance(1, details=f"{tokens:,} tokens  ${cost:,.4f}")


def _rich_bar(console: Console) -> Progress:
    """A bar whose task takes the fields `tokens` and `cost` (USD so far)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        CallRateColumn(),
        TextColumn("{task.fields[tokens]:,} tokens"),
        TextColumn("${task.fields[cost]:,.4f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


LABELS = {
    "prompts": "prompts (items + user units)",
    "unique_prompts": "distinct prompts",
    "cache_hits": "answered from the cache",
    "calls": "sent to the provider",
    "retries": "retries",
    "failures": "failed",
    "prompt_tokens": "prompt tokens",
    "completion_tokens": "completion tokens",
    "cost_usd": "cost (USD)",
    "json_unparsable": "item replies not parsable as JSON",
    "seconds": "seconds",
}


def summary_table(provider: str, stats: dict[str, int | float]) -> Table:
    table = Table(title=f"semantic texts ({provider})", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for key, label in LABELS.items():
        value = stats[key]
        shown = f"{value:,.4f}" if key == "cost_usd" else f"{value:,.1f}" if key == "seconds" else f"{value:,}"
        style = "red" if key == "failures" and value else None
        table.add_row(label, Text(shown, style=style or ""))
    return table
