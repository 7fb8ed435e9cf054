"""What the train and eval stages share: the recipe's data, its split, and a freshly built backbone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sracl_cli import registry
from sracl_cli.artifacts import write_text
from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.load import load_dataset
from sracl_cli.data.split import Split, leave_one_out
from sracl_cli.recipe import Recipe


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
        return (self.out_dir or self.run_dir) / "train"

    @property
    def eval_dir(self) -> Path:
        return (self.out_dir or self.run_dir) / "eval"

    @cached_property
    def backbone_spec(self):
        return registry.load("backbone", self.recipe.config.model.backbone)

    def build_model(self):
        return self.backbone_spec.build(self.recipe.model_params, self.data.n_items, self.recipe.config.data.max_len)

    def train_inputs(self) -> list[Path]:
        """Files the train stage reads: the data, plus the embed/index artifacts when the objective uses them."""
        return train_inputs(self.recipe)


def data_files(recipe: Recipe) -> list[Path]:
    """Input files named in the [data] section, for manifests."""
    values = recipe.data_params.model_dump().values()
    return [v for v in values if isinstance(v, Path) and v.is_file()]


def train_inputs(recipe: Recipe) -> list[Path]:
    from sracl_cli.objectives.semantic_inputs import semantic_files

    semantic = list(semantic_files(recipe.semantic_dir).values()) if recipe.config.train.objective == "sracl" else []
    return data_files(recipe) + semantic


def write_resolved_recipe(recipe: Recipe, folder: Path | None = None) -> None:
    """`recipe.resolved.toml` in `folder` (default the run directory; a seed run writes its own)."""
    write_text((folder or recipe.run_dir) / "recipe.resolved.toml", recipe.to_toml())
