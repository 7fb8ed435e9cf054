"""Helpers for the data tests: load through the real `sracl.datasets` entry points, cut real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sracl_cli import kinds, registry
from sracl_cli.data.dataset import SequenceData
from sracl_cli.errors import UsageError
from sracl_cli.recipe import Recipe, RecipeModel

BEAUTY = "sracl_official/Beauty/Beauty.txt"
OFFICE = "sracl_official/Office/Office.txt"
BEAUTY_TITLES = "amazon_beauty_sracl_titles/derived/item_titles.tsv"
OPENP5_SEQUENCES = "amazon_beauty_sracl_titles/openp5/user_sequence.txt"
SCIENTIFIC = "amazon_scientific_unisrec/Scientific"


def load_with(loader: str, base_dir: Path | None = None, **keys) -> SequenceData:
    """Validate `keys` like a recipe's [data] section (paths relative to base_dir), then load."""
    spec = registry.load(kinds.DATASET, loader)
    config = spec.config_model.model_validate(keys, context={"base_dir": base_dir})
    return spec.load(config, "test")


def data_recipe(raw: dict, source: Path) -> Recipe:
    """A Recipe whose [data] section is validated as validate_recipe does; the other plugins are not needed."""
    context = {"base_dir": source.parent}
    config = RecipeModel.model_validate({**raw, "model": {}}, context=context)
    spec = registry.load(kinds.DATASET, config.data.loader)
    data_params = spec.config_model.model_validate(config.data.plugin_keys(), context=context)
    return Recipe(source, config, {"data": data_params})


def usage_error(loader: str, base_dir: Path | None = None, **keys) -> str:
    """The message of the UsageError that loading raises."""
    with pytest.raises(UsageError) as info:
        load_with(loader, base_dir, **keys)
    return str(info.value)


def head_lines(source: Path, count: int) -> list[str]:
    with source.open(encoding="utf-8") as handle:
        return [next(handle) for _ in range(count)]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
    return path
