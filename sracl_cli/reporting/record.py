"""What a finished run directory holds, read for its page: the resolved recipe, one folder per seed, histories.

A run is named by its directory or by the recipe that made it. Records copied elsewhere (docs/results/) keep
only JSON; a recipe whose data or keys no longer validate still gives its curves and test metrics, and the
sections that need the data or the weights say why they are missing (`recipe_problem`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sracl_cli import layout
from sracl_cli.artifacts import read_artifact
from sracl_cli.errors import UsageError
from sracl_cli.recipe import EvalSection, Recipe, load_recipe, read_composed, validate_recipe
from sracl_cli.stages import TRAIN, weights_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REBUILD = "run `sracl train` with the run's recipe again"


@dataclass(frozen=True)
class RunRecord:
    path: Path
    settings: dict[str, Any]  # recipe.resolved.toml as written (not validated: old records keep old keys)

    @property
    def name(self) -> str:
        return str(self.settings.get("name", self.path.name))

    def section(self, name: str) -> dict[str, Any]:
        value = self.settings.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def early_stop_metric(self) -> str:
        default = EvalSection.model_fields["early_stop_metric"].default
        return str(self.section("eval").get("early_stop_metric", default))

    @cached_property
    def seed_folders(self) -> dict[int, Path]:
        """Seed -> the folder holding its train/ and eval/ (the run directory itself for a single run)."""
        train = self.section("train")
        if train.get("seeds"):
            return {int(seed): layout.seed_dir(self.path, int(seed)) for seed in train["seeds"]}
        return {int(train.get("seed", 0)): self.path}

    @property
    def weights_from(self) -> Path | None:
        """The run whose weights this one evaluated (`eval.weights_from`), if not its own."""
        source = self.section("eval").get("weights_from")
        return Path(source) if source else None

    def weights(self, seed: int) -> Path:
        return weights_file(self.path, self.seed_folders[seed], self.weights_from)

    @property
    def semantic_dir(self) -> Path:
        """Where embed/ and index/ are: `output.semantic_dir` when recipes shared one, else the run directory."""
        shared = self.section("output").get("semantic_dir")
        return Path(shared) if shared else self.path

    def histories(self) -> dict[int, list[dict]]:
        """Seed -> its per-epoch history, for the seeds that have one."""
        found = {}
        for seed, folder in self.seed_folders.items():
            path = folder / TRAIN.name / layout.HISTORY
            if path.is_file():
                found[seed] = read_artifact(path, _read_json, REBUILD)
        return found

    @cached_property
    def loaded(self) -> Recipe | UsageError:
        """The validated recipe with this directory as its run directory, or why it does not validate here."""
        path = self.path / layout.RESOLVED_RECIPE
        try:
            raw = read_composed(path)
            raw.setdefault("output", {})["dir"] = str(self.path)  # a record copied elsewhere is read where it is
            return validate_recipe(raw, path)
        except UsageError as problem:
            return problem

    @property
    def recipe(self) -> Recipe | None:
        return self.loaded if isinstance(self.loaded, Recipe) else None

    @property
    def recipe_problem(self) -> str:
        """The first problem (records of older versions may have many: moved keys)."""
        if isinstance(self.loaded, Recipe):
            return ""
        lines = self.loaded.lines
        return lines[0] + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else "")


def open_run(path: Path) -> RunRecord:
    """A run directory, or a recipe TOML (its run directory)."""
    if path.is_file():
        path = load_recipe(path).run_dir
    resolved = path / layout.RESOLVED_RECIPE
    if not resolved.is_file():
        raise UsageError(
            f"{path}: not a run directory (no {layout.RESOLVED_RECIPE}; give a run directory or its recipe)"
        )
    try:
        settings = tomllib.loads(resolved.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{resolved}: not readable TOML ({error})") from None
    return RunRecord(path.resolve(), settings)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
