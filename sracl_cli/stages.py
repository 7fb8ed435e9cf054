"""The stage table: what each stage reads from the recipe, what files it reads and writes, and who makes them.

Manifests (`manifests.py`), `sracl run`'s skipping (`pipeline.py`), the train stage's inputs and the
"missing; run `sracl <stage>` first" messages are all derived from this one declaration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sracl_cli import layout
from sracl_cli.errors import UsageError

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe

# Read by every stage to find the run; they decide where outputs go, not what they hold.
ALWAYS_READ = ("name", "output")
# Read by the train stage to send its metrics to experiment trackers: no stage's outputs depend on them.
REPORTING = ("logging",)


@dataclass(frozen=True)
class Stage:
    name: str
    sections: tuple[str, ...]  # recipe sections that decide the outputs: recorded in the manifest
    outputs: tuple[str, ...]  # files the stage writes into its folder
    products: tuple[str, ...]  # the outputs later stages read (hashed as their inputs)
    home: Literal["semantic", "run"]  # the semantic folder (shareable) or the run directory

    def folder(self, recipe: Recipe, out_dir: Path | None = None) -> Path:
        if self.home == "semantic":
            return recipe.semantic_dir / self.name
        return (out_dir or recipe.run_dir) / self.name

    def product_paths(self, recipe: Recipe) -> list[Path]:
        return [self.folder(recipe) / name for name in self.products]

    def require(self, path: Path, recipe: Recipe, reader: str) -> None:
        """Exit 2 with the command that makes `path` when it is missing."""
        if not path.is_file():
            raise UsageError(
                f"{path}: missing; {reader} needs it, run `sracl {self.name} {os.path.relpath(recipe.source)}` first"
            )


EMBED = Stage(
    "embed",
    sections=("data", "llm", "prompts", "embedding"),
    outputs=(layout.ITEM_EMBEDDINGS, layout.UNIT_EMBEDDINGS, layout.UNITS, layout.TEXTS),
    products=(layout.ITEM_EMBEDDINGS, layout.UNIT_EMBEDDINGS, layout.UNITS),
    home="semantic",
)
INDEX = Stage(
    "index",
    sections=("index",),
    outputs=(layout.ITEM_NEIGHBORS, layout.USER_NEIGHBORS),
    products=(layout.ITEM_NEIGHBORS, layout.USER_NEIGHBORS),
    home="semantic",
)
TRAIN = Stage(
    "train",
    # eval: validation (eval.ks, mask_history, batch_size) and the best-epoch choice (eval.early_stop_metric)
    sections=("data", "model", "objective", "optimizer", "train", "eval"),
    outputs=(layout.MODEL, layout.HISTORY),
    products=(layout.MODEL,),
    home="run",
)
EVAL = Stage(
    "eval",
    # data/model: the split and the network to load; train: the device and which seeds to evaluate
    sections=("data", "model", "train", "eval"),
    outputs=(layout.METRICS,),
    products=(layout.METRICS,),
    home="run",
)
STAGES = {stage.name: stage for stage in (EMBED, INDEX, TRAIN, EVAL)}


def data_files(recipe: Recipe) -> list[Path]:
    """Input files named in the [data] section, for manifests."""
    values = recipe.data_params.model_dump().values()
    return [v for v in values if isinstance(v, Path) and v.is_file()]


def objective_needs(recipe: Recipe) -> tuple[Stage, ...]:
    """The stages whose artifacts the recipe's objective reads (its spec's `needs`)."""
    from sracl_cli import kinds, registry

    spec = registry.load(kinds.OBJECTIVE, recipe.config.objective.name)
    return tuple(STAGES[name] for name in spec.needs)


def stage_inputs(stage: Stage, recipe: Recipe, out_dir: Path | None = None) -> list[Path]:
    """The files a stage reads (and its manifest hashes)."""
    if stage is EMBED:
        return data_files(recipe)
    if stage is INDEX:
        return EMBED.product_paths(recipe)
    if stage is TRAIN:
        return data_files(recipe) + [
            path for needed in objective_needs(recipe) for path in needed.product_paths(recipe)
        ]
    return [recipe_weights(recipe, out_dir)]


def recipe_weights(recipe: Recipe, out_dir: Path | None = None) -> Path:
    """The model.pt the recipe's eval stage reads for its run (or the seed run in `out_dir`)."""
    return weights_file(recipe.run_dir, out_dir or recipe.run_dir, recipe.config.eval.weights_from)


def weights_file(run_dir: Path, folder: Path, weights_from: Path | None = None) -> Path:
    """The model.pt the eval stage reads for the run (or seed) in `folder` of `run_dir`: its own train/, or
    the same place in the run `eval.weights_from` names."""
    if weights_from is not None:
        folder = weights_from / folder.relative_to(run_dir)
    return folder / TRAIN.name / layout.MODEL
