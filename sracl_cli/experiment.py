"""What the train and eval stages share: the recipe's data, its split, and a freshly built backbone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sracl_cli import kinds, registry
from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.load import load_dataset
from sracl_cli.data.sequences import SequenceSamples, sequence_samples
from sracl_cli.data.split import Split, leave_one_out
from sracl_cli.models.protocol import BackboneSpec
from sracl_cli.recipe import Recipe
from sracl_cli.stages import EVAL, TRAIN, recipe_weights

if TYPE_CHECKING:
    from torch import nn


@dataclass
class Experiment:
    recipe: Recipe
    data: SequenceData
    split: Split
    out_dir: Path | None = None  # where train/ and eval/ go; default the run directory (seeds use subfolders)

    @classmethod
    def from_recipe(cls, recipe: Recipe) -> Experiment:
        data = load_dataset(recipe)
        return cls(recipe, data, leave_one_out(data, recipe.config.data.max_len))

    @property
    def run_dir(self) -> Path:
        return self.recipe.run_dir

    @property
    def train_dir(self) -> Path:
        return TRAIN.folder(self.recipe, self.out_dir)

    @property
    def weights_file(self) -> Path:
        """The model.pt evaluation reads: train/model.pt, or its counterpart in `eval.weights_from`'s run."""
        return recipe_weights(self.recipe, self.out_dir)

    @property
    def eval_dir(self) -> Path:
        return EVAL.folder(self.recipe, self.out_dir)

    @cached_property
    def sequences(self) -> SequenceSamples | None:
        """The sequence windows of the training part, when the recipe trains on them (`train.samples`)."""
        train, max_len = self.recipe.config.train, self.recipe.config.data.max_len
        if train.samples != "sequence":
            return None
        return sequence_samples(self.data, max_len, train.window_stride or max(1, max_len // 4))

    @cached_property
    def backbone_spec(self) -> BackboneSpec[Any]:
        return registry.load(kinds.BACKBONE, self.recipe.config.model.backbone)

    def build_model(self) -> nn.Module:
        return self.backbone_spec.build(self.recipe.model_params, self.data.n_items, self.recipe.config.data.max_len)
