"""What `sracl data prepare` prints: progress while reading, a summary table, the files written."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from sracl_cli.data.prepare import INTERACTIONS, ITEMS, RECIPE, Prepared, prepare
from sracl_cli.written import reporting_written


def prepare_command(reviews: Path, meta: Path | None, out: Path, min_core: int, console: Console) -> None:
    files = [out / name for name in (INTERACTIONS, ITEMS, RECIPE)]
    with reporting_written(console, files):
        result = prepare(reviews, meta, out, min_core, console)
    console.print(summary_table(result, min_core))
    console.print(f"next: sracl validate {out / RECIPE}", markup=False, highlight=False, soft_wrap=True)


def summary_table(result: Prepared, min_core: int) -> Table:
    counts = result.counts
    table = Table(title="sracl data prepare", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, count in (
        ("reviews read", counts.rows),
        ("duplicate (user, item, time) reviews dropped", counts.duplicates),
        ("reviews out of time order within their user (sorted)", counts.out_of_order),
        ("reviews tied with their user's previous time (file order kept)", counts.tied),
        (f"users ({min_core}-core)", result.users),
        (f"items ({min_core}-core)", result.items),
        (f"interactions ({min_core}-core)", result.interactions),
        ("items without a title", result.untitled),
    ):
        table.add_row(what, f"{count:,}")
    return table
