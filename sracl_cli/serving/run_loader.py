"""A trained run loaded for serving: its recipe, data, the chosen seed's model, and the id tables.

A run is named by its recipe or by its run directory (which holds `recipe.resolved.toml`; the directory is
used where it is, so a run copied elsewhere still loads). With `train.seeds` one seed's model is served:
the one asked for, else the one with the best validation metric (each seed's train manifest records it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sracl_cli import layout
from sracl_cli.checkpoint import load_state
from sracl_cli.data.dataset import SequenceData
from sracl_cli.errors import UsageError
from sracl_cli.experiment import Experiment
from sracl_cli.recipe import Recipe, load_recipe
from sracl_cli.stages import recipe_weights

if TYPE_CHECKING:
    import torch
    from torch import nn

    from sracl_cli.models.protocol import Backbone

TITLE_FIELD = "title"


@dataclass
class Run:
    """What recommending needs. Item *indices* are the model's (1..n_items, 0 = padding); item *ids* are the
    dataset's own (`data.item_ids`), which every input and output uses."""

    recipe: Recipe
    data: SequenceData
    model: nn.Module
    seed: int
    seed_note: str  # which seed is served and why, for the user
    device: torch.device

    @property
    def max_len(self) -> int:
        return self.recipe.config.data.max_len

    @property
    def batch_size(self) -> int:
        return self.recipe.config.eval.batch_size

    @cached_property
    def item_index(self) -> dict[str, int]:
        return {item_id: index for index, item_id in enumerate(self.data.item_ids) if index}

    @cached_property
    def user_row(self) -> dict[str, int]:
        return {user_id: row for row, user_id in enumerate(self.data.user_ids)}

    @cached_property
    def titles(self) -> list[str]:
        """Item index -> its title (else its first text field, else "")."""
        text = self.data.item_text
        field = TITLE_FIELD if TITLE_FIELD in text else next(iter(text), None)
        return text[field] if field is not None else [""] * (self.data.n_items + 1)

    @cached_property
    def item_table(self) -> torch.Tensor:
        import torch

        with torch.no_grad():
            return cast("Backbone", self.model).item_embeddings()

    def recommend(self, user: str | int | None = None, history: list[str | int] | None = None, k: int = 20,
                  exclude_seen: bool = True, skip_unknown: bool = False) -> list[dict[str, Any]]:
        """Top-k rows `{"rank", "item", "title", "score"}` for a user of the dataset or a new history (item ids,
        oldest first). Item ids the dataset does not know raise UsageError unless `skip_unknown`."""
        from sracl_cli.serving.recommend import Query, recommend_queries

        query = Query(key=str(user) if user is not None else "history", user=_text(user),
                      history=None if history is None else [str(item) for item in history])
        (result,) = recommend_queries(self, [query], k, exclude_seen)
        if result.unknown and not skip_unknown:
            shown = ", ".join(repr(item) for item in result.unknown[:5])
            raise UsageError(f"history: {len(result.unknown)} item id(s) unknown to {self.data.name}: {shown}")
        return result.rows


def load_run(path: str | Path, seed: int | None = None, device: str | None = None,
             overrides: list[str] | None = None) -> Run:
    """The run of a recipe file or a run directory, ready to recommend: the model in eval mode on `device`
    (default the recipe's `train.device`). `overrides` are `--set` strings (`"eval.batch_size=512"`)."""
    from sracl_cli.devices import pick_device

    recipe = _recipe(Path(path), overrides or [])
    exp = Experiment.from_recipe(recipe)
    chosen, note = _choose_seed(recipe, seed)
    if recipe.config.train.seeds:
        from sracl_cli.runs import seed_experiment

        exp = seed_experiment(exp, chosen)
    model = exp.build_model()
    model.load_state_dict(load_state(exp.weights_file))
    torch_device = pick_device(device or recipe.config.train.device)
    model.to(torch_device).eval()
    return Run(recipe, exp.data, model, chosen, note, torch_device)


def _recipe(path: Path, overrides: list[str]) -> Recipe:
    if path.is_file():
        return load_recipe(path, overrides)
    resolved = path / layout.RESOLVED_RECIPE
    if not resolved.is_file():
        raise UsageError(f"{path}: neither a recipe file nor a run directory (no {layout.RESOLVED_RECIPE})")
    here = f"output.dir={json.dumps(str(path.resolve()))}"  # read where it is, wherever it was trained
    return load_recipe(resolved, [here, *overrides])


def _choose_seed(recipe: Recipe, seed: int | None) -> tuple[int, str]:
    train = recipe.config.train
    if not train.seeds:
        if seed is not None and seed != train.seed:
            raise UsageError(f"--seed: the run has one seed ({train.seed}), not {seed}")
        return train.seed, f"seed {train.seed}"
    if seed is not None:
        if seed not in train.seeds:
            raise UsageError(f"--seed: {seed} is not one of train.seeds {train.seeds}")
        return seed, f"seed {seed} of train.seeds {train.seeds} (asked for)"
    valid = {s: _best_valid(recipe, s) for s in train.seeds}
    trained = {s: v for s, v in valid.items() if v is not None}
    if not trained:
        raise UsageError(f"{_train_manifest(recipe, train.seeds[0])}: no seed of train.seeds {train.seeds} is trained "
                         "(run `sracl train` with this recipe first)")
    best = max(trained, key=lambda s: trained[s])  # the first of equal ones
    metric = recipe.config.eval.early_stop_metric
    return best, (f"seed {best} of train.seeds {train.seeds}: the best validation {metric} "
                  f"({trained[best]:.4f}); --seed picks another")


def _best_valid(recipe: Recipe, seed: int) -> float | None:
    manifest = _train_manifest(recipe, seed)
    if not manifest.is_file():
        return None
    try:
        return float(json.loads(manifest.read_text(encoding="utf-8"))["best_valid"])
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{manifest}: no readable best_valid; run `sracl train` with this recipe again") from None


def _train_manifest(recipe: Recipe, seed: int) -> Path:
    """The seed's train manifest, beside the weights it recorded (in `eval.weights_from`'s run if set)."""
    return recipe_weights(recipe, layout.seed_dir(recipe.run_dir, seed)).with_name(layout.MANIFEST)


def _text(value: str | int | None) -> str | None:
    return None if value is None else str(value)
