"""Plugins found through `importlib.metadata` entry points, checked when they load.

Built-ins are declared in sracl's own pyproject `[project.entry-points]`, exactly like a third party's,
so one code path finds everything. A plugin whose import fails is reported, never fatal for the others.
Every entry point names a spec object of its kind's spec type (a `PluginSpec` subclass); `load` checks it,
and a name offered by two distributions is refused with both named (nothing silently shadows anything).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata as metadata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from sracl_cli.errors import UsageError

ConfigT = TypeVar("ConfigT", bound=BaseModel)
SpecT = TypeVar("SpecT", bound="PluginSpec[Any]")


@dataclass(frozen=True, kw_only=True)
class PluginSpec(Generic[ConfigT]):
    """What every entry point provides: the pydantic model of its keys in its recipe section, and a line
    for `sracl plugins`. Each kind's spec subclass adds its typed `build` (or `load`, `open`) function.

    `config_model` must import without heavy libraries (torch, chromadb, litellm, ...): recipes are
    validated against it before any stage runs.
    """

    config_model: type[ConfigT]
    description: str = ""


@dataclass(frozen=True)
class Kind(Generic[SpecT]):
    """A plugin kind: its entry-point group, its spec type, and the recipe section whose `name_key` picks one.

    The spec type is named "module:Class" and imported on first use, so that declaring the kinds imports
    none of the packages that implement them.
    """

    label: str  # as in messages: "unknown {label} 'x'"
    group: str
    spec_path: str
    section: str
    name_key: str
    many: bool = False  # `name_key` lists several plugins, each configured in its own sub-table

    @property
    def spec_type(self) -> type[SpecT]:
        module, _, name = self.spec_path.partition(":")
        spec_type: type[SpecT] = getattr(importlib.import_module(module), name)
        return spec_type


@dataclass
class Plugin:
    kind: Kind[Any]
    name: str
    target: str  # "module:attr" as declared
    distribution: str
    version: str
    entry_point: metadata.EntryPoint = field(repr=False)
    also_in: list[str] = field(default_factory=list)  # other distributions declaring the same name

    def load(self) -> Any:
        if self.also_in:
            others = ", ".join(f"'{d}'" for d in self.also_in)
            raise PluginError(
                f"{self.kind.label} '{self.name}' is declared by distribution '{self.distribution}' and by {others}; "
                "uninstall one of them (pip uninstall ...)",
                reason=f"also declared by {others}",
            )
        try:
            spec = self.entry_point.load()
        except Exception as error:
            raise PluginImportError(self, error) from error
        if not isinstance(spec, self.kind.spec_type):
            reason = f"expected a {self.kind.spec_type.__name__}, got {type(spec).__name__}"
            raise PluginError(f"{self.describe()}: {reason}", reason=reason)
        return spec

    def describe(self) -> str:
        return (f"{self.kind.label} plugin '{self.name}' ({self.target}) from distribution "
                f"'{self.distribution}' {self.version}")


class PluginError(UsageError):
    """A plugin that cannot be used; `reason` is the short form `sracl plugins` shows."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class PluginImportError(PluginError):
    def __init__(self, plugin: Plugin, error: Exception):
        reason = f"import failed: {type(error).__name__}: {error}"
        super().__init__(f"{plugin.describe()} failed to import: {type(error).__name__}: {error}", reason)
        self.plugin = plugin
        self.error = error


def discover(kind: Kind[Any]) -> dict[str, Plugin]:
    """All entry points of one kind, by name; a distribution seen twice on sys.path counts once."""
    found = _scan(metadata.distributions).get(kind.group, {})
    return {name: Plugin(kind, name, *entry) for name, entry in sorted(found.items())}


EntryRow = tuple[str, str, str, metadata.EntryPoint, list[str]]  # target, distribution, version, entry point, also_in


@functools.lru_cache(maxsize=4)
def _scan(distributions: Callable[[], Iterable[metadata.Distribution]]) -> dict[str, dict[str, EntryRow]]:
    """Every sracl entry point of every installed distribution, read once per process (the scan of all
    installed distributions is what costs: a new `distributions` provider, as in tests, scans again)."""
    found: dict[str, dict[str, EntryRow]] = {}
    seen_distributions: set[str] = set()
    for dist in distributions():
        dist_name = dist.metadata["Name"] or "?"
        if dist_name in seen_distributions:
            continue
        seen_distributions.add(dist_name)
        for ep in dist.entry_points:
            if not ep.group.startswith("sracl."):
                continue
            group = found.setdefault(ep.group, {})
            if ep.name in group:
                group[ep.name][4].append(dist_name)
            else:
                group[ep.name] = (ep.value, dist_name, dist.version, ep, [])
    return found


def load(kind: Kind[SpecT], name: str) -> SpecT:
    """The checked spec behind `name`, or a UsageError listing what is installed."""
    plugins = discover(kind)
    if name not in plugins:
        installed = ", ".join(plugins) or "none"
        raise UsageError(f"unknown {kind.label} '{name}'; installed: {installed}")
    spec: SpecT = plugins[name].load()
    return spec
