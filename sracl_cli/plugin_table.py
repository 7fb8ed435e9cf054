"""`sracl plugins`: every entry point of every kind, and whether it imports."""

from __future__ import annotations

from rich.table import Table

from sracl_cli import registry


def plugin_table() -> Table:
    table = Table(title="sracl plugins")
    for column in ("group", "name", "object", "distribution", "version", "status"):
        table.add_column(column, overflow="fold")
    for kind, group in registry.GROUPS.items():
        for plugin in registry.discover(kind).values():
            table.add_row(group, plugin.name, plugin.target, plugin.distribution, plugin.version, _status(plugin))
    return table


def _status(plugin: registry.Plugin) -> str:
    try:
        plugin.load()
    except registry.PluginImportError as error:
        return f"[red]import failed: {type(error.error).__name__}: {error.error}[/]"
    return "[green]ok[/]"
