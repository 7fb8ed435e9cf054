"""`sracl plugins`: every entry point of every kind, what it is, and whether it loads."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sracl_cli import kinds, registry

UNBOUNDED = 10_000  # columns: wide enough for any cell
COLUMNS = ("group", "name", "object", "distribution", "version", "description", "status")


def plugin_rows() -> list[tuple[str, ...]]:
    return [
        (kind.group, p.name, p.target, p.distribution, p.version, *_check(p))
        for kind in kinds.KINDS
        for p in registry.discover(kind).values()
    ]


def plugin_records() -> list[dict[str, str]]:
    """`sracl plugins --json`: one object per plugin, keyed by the table's columns."""
    return [dict(zip(COLUMNS, row)) for row in plugin_rows()]


def print_plugin_table(console: Console) -> None:
    """On a terminal the table fits its width; elsewhere (a pipe, a file) no cell is wrapped."""
    table = plugin_table()
    if not console.is_terminal:  # a pipe's console is 80 columns wide: give the table its natural width
        natural = console.measure(table, options=console.options.update_width(UNBOUNDED)).maximum
        console = Console(file=console.file, width=max(console.width, natural), no_color=console.no_color)
    console.print(table)


def plugin_table() -> Table:
    table = Table(title="sracl plugins")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in plugin_rows():
        status = row[-1]
        table.add_row(*row[:-1], f"[green]{status}[/]" if status == "ok" else f"[red]{status}[/]")
    return table


def _check(plugin: registry.Plugin) -> tuple[str, str]:
    """(description, status) of a plugin: its spec's description and "ok", or why it cannot be used."""
    try:
        spec = plugin.load()
    except registry.PluginError as error:
        return "", error.reason
    return spec.description, "ok"
