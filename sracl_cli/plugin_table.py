"""`sracl plugins`: every entry point of every kind, what it is, and whether it loads."""

from __future__ import annotations

from rich.table import Table

from sracl_cli import kinds, registry

COLUMNS = ("group", "name", "object", "distribution", "version", "description", "status")


def plugin_rows() -> list[tuple[str, ...]]:
    return [
        (kind.group, p.name, p.target, p.distribution, p.version, *_check(p))
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


def _check(plugin: registry.Plugin) -> tuple[str, str]:
    """(description, status) of a plugin: its spec's description and "ok", or why it cannot be used."""
    try:
        spec = plugin.load()
    except registry.PluginError as error:
        return "", error.reason
    return spec.description, "ok"
