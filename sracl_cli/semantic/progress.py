"""What the generation shows: a live progress bar while calls run, and a summary table at the end."""

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


class CallRateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} calls/s" if speed else "- calls/s", style="progress.data.speed")


def generation_progress(console: Console) -> Progress:
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
