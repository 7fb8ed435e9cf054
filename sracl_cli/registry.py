"""Plugins found through `importlib.metadata` entry points.

Built-ins are declared in sracl's own pyproject `[project.entry-points]`, exactly like a third party's,
so one code path finds everything. A plugin whose import fails is reported, never fatal for the others.
"""

from __future__ import annotations

import importlib.metadata as metadata
from dataclasses import dataclass, field

from sracl_cli.errors import UsageError

GROUPS = {
    "backbone": "sracl.backbones",
    "llm provider": "sracl.llm_providers",
    "embedder": "sracl.embedders",
    "vector store": "sracl.vector_stores",
    "dataset loader": "sracl.datasets",
}


@dataclass
class Plugin:
    kind: str
    name: str
    target: str  # "module:attr" as declared
    distribution: str
    version: str
    entry_point: metadata.EntryPoint = field(repr=False)

    def load(self) -> object:
        try:
            return self.entry_point.load()
        except Exception as error:  # a broken plugin must not take the others down
            raise PluginImportError(self, error) from error


class PluginImportError(UsageError):
    def __init__(self, plugin: Plugin, error: Exception):
        super().__init__(
            f"{plugin.kind} plugin '{plugin.name}' ({plugin.target}) from distribution "
            f"'{plugin.distribution}' {plugin.version} failed to import: {type(error).__name__}: {error}"
        )
        self.plugin = plugin
        self.error = error


def discover(kind: str) -> dict[str, Plugin]:
    """All entry points of one kind, by name; a distribution seen twice on sys.path counts once."""
    group = GROUPS[kind]
    found: dict[str, Plugin] = {}
    seen_distributions: set[str] = set()
    for dist in metadata.distributions():
        dist_name = dist.metadata["Name"] or "?"
        if dist_name in seen_distributions:
            continue
        seen_distributions.add(dist_name)
        for ep in dist.entry_points:
            if ep.group == group and ep.name not in found:
                found[ep.name] = Plugin(kind, ep.name, ep.value, dist_name, dist.version, ep)
    return dict(sorted(found.items()))


def load(kind: str, name: str) -> object:
    """The object behind `name`, or a UsageError listing what is installed."""
    plugins = discover(kind)
    if name not in plugins:
        installed = ", ".join(plugins) or "none"
        raise UsageError(f"unknown {kind} '{name}'; installed: {installed}")
    return plugins[name].load()
