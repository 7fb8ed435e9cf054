"""load_dataset: a recipe's loader through the registry, then its k-core."""

from __future__ import annotations

from data_helpers import BEAUTY, data_recipe

from sracl_cli.data.load import load_dataset


def test_loads_with_the_named_loader(shared_data, tmp_path):
    recipe = data_recipe({"name": "beauty", "data": {"path": str(shared_data / BEAUTY)}}, tmp_path / "r.toml")
    data = load_dataset(recipe)
    assert (data.name, data.n_users, data.n_items, data.n_interactions) == ("beauty", 22363, 12101, 198502)


def test_applies_min_core(shared_data, tmp_path):
    raw = {"name": "beauty6", "data": {"loader": "sracl-txt", "path": str(shared_data / BEAUTY), "min_core": 6}}
    data = load_dataset(data_recipe(raw, tmp_path / "r.toml"))
    assert (data.name, data.n_users, data.n_items, data.n_interactions) == ("beauty6", 10293, 5869, 113015)
