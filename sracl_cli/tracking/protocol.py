"""What a logger plugin provides: `LoggerSpec(config_model=..., build=...)` and the `Logger` it builds.

A training run (one per seed of `train.seeds`) is one tracker run: `start` once with the resolved recipe, then
`log_metrics` after every epoch (step = the epoch) and once with the test metrics, then `finish`.
Metric names are `train/loss`, `train/<loss component>`, `train/seconds`, `valid/<metric>` and `test/<metric>`
(`hr@10`, ...); a tracker that refuses a character renames it in its own module.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from sracl_cli.registry import ConfigT, PluginSpec

Status = Literal["finished", "failed"]


@dataclass(frozen=True)
class RunInfo:
    """The training run a tracker run records."""

    recipe: str  # the recipe's name
    seed: int
    run_dir: Path  # the recipe's run directory: trackers keep their local files under it by default

    @property
    def label(self) -> str:
        """The tracker run's name: one per seed."""
        return f"seed-{self.seed}"


class Logger(Protocol):
    def start(self, run: RunInfo, params: dict[str, Any]) -> None:
        """Open the tracker run; `params` is the resolved recipe (`Recipe.to_dict()`)."""

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None: ...

    def finish(self, status: Status) -> None:
        """Close the run ("failed" when training raised)."""


def require_extra(module: str, extra: str) -> None:
    """For a logger's config model: a recipe that names a logger whose library is missing is a recipe problem
    (exit 2 before anything runs), naming the optional extra that installs it. Finds, never imports, `module`."""
    if importlib.util.find_spec(module) is None:
        raise ValueError(f"needs the '{module}' package: pip install 'sracl[{extra}]'")


@dataclass(frozen=True, kw_only=True)
class LoggerSpec(PluginSpec[ConfigT]):
    build: Callable[[ConfigT], Logger]
