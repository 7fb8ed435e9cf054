"""The quickstart sample's user units with cheap vectors that keep the real structure: a unit's vector is
the normalised mean of its items' (random) vectors, so a user's prefixes are each other's nearest units."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from sracl_cli.data.load import load_dataset
from sracl_cli.data.units import user_units
from sracl_cli.data.units_io import save_units
from sracl_cli.recipe import load_recipe
from sracl_cli.vectors import l2_normalize

REPO = Path(__file__).resolve().parents[2]

DIM = 32


@cache
def quickstart(mode: str = "prefix"):
    """(data, units, item_vectors [n_items + 1, DIM] with a zero padding row, unit_vectors [n_units, DIM])."""
    recipe = load_recipe(REPO / "tests" / "recipes" / "quickstart_prefix.toml")
    data = load_dataset(recipe)
    units = user_units(data, mode, recipe.config.data.max_len)
    items = l2_normalize(np.random.default_rng(7).standard_normal((data.n_items + 1, DIM)))
    items[0] = 0
    cumulative = np.vstack([np.zeros((1, DIM), np.float32), np.cumsum(items[data.items], axis=0)])
    sums = cumulative[units.end] - cumulative[units.start]
    return data, units, items, l2_normalize(sums)


def write_embed_artifacts(run_dir: Path) -> None:
    """What `sracl embed` would leave in `run_dir/embed/`, from the cheap vectors above."""
    _, units, items, unit_vectors = quickstart()
    embed = run_dir / "embed"
    embed.mkdir(parents=True)
    np.save(embed / "items.npy", items)
    np.save(embed / "users.npy", unit_vectors)
    save_units(embed / "units.npz", units)
