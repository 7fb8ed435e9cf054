"""`sracl plugins`: every entry point of every kind, and whether it imports."""

from __future__ import annotations

from rich.table import Table

from sracl_cli import kinds, registry

COLUMNS = ("group", "name", "object", "distribution", "version", "status")


def plugin_rows() -> list[tuple[str, ...]]:
    return [
        (kind.group, p.name, p.target, p.distribution, p.version, _status(p))
        for kind in kinds.KINDS
        for p in registry.discover(kind).values()
    ]


def plugin_table() -> Table:
    table = Table(title="sracl plugins")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in plugin_rows():
        status = row[-1]
        table.add_row(*row[:-1], f"[green]{status}[/]" if status == "ok" else f"[red]{status}[/]")
    return table


def _status(plugin: registry.Plugin) -> str:
    try:
        plugin.load()
    except registry.PluginError as error:
        return error.reason
    return "ok"
