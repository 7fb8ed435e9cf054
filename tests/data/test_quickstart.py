"""The quickstart sample shipped in sracl_cli/packaged/quickstart/ and the script that rebuilds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from data_helpers import data_recipe

from sracl_cli.data.load import load_dataset
from sracl_cli.data.split import leave_one_out
from sracl_cli.paths import packaged_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
SHIPPED = packaged_root() / "quickstart"
FILES = ("beauty_sample.txt", "items.tsv", "SOURCE.md")


@pytest.fixture(scope="module")
def sample():
    source = REPO / "recipes" / "quickstart.toml"
    raw = tomllib.loads(source.read_text(encoding="utf-8"))
    return load_dataset(data_recipe({"name": raw["name"], "data": raw["data"]}, source))


def test_loads_through_packaged_paths(sample):
    assert sample.name == "quickstart"
    assert (sample.n_users, sample.n_items, sample.n_interactions) == (2000, 7216, 17115)
    assert sample.user_ids == [str(u) for u in range(1, 2001)]
    assert sample.lengths().min() >= 5
    assert len(leave_one_out(sample, 20).train) == 11115


def test_titles(sample):
    titles = sample.item_text["title"]
    assert list(sample.item_text) == ["title"] and len(titles) == sample.n_items + 1
    assert sum(bool(title) for title in titles[1:]) == sample.n_items - 6
    assert titles[1] == "SUPER NAIL Professional Nail Liquid 4 oz"


def test_builder_reproduces_the_shipped_files(shared_data, tmp_path):
    script = REPO / "scripts" / "build_quickstart.py"
    for run in ("first", "second"):
        command = [sys.executable, str(script), str(shared_data), "--out", str(tmp_path / run)]
        subprocess.run(command, check=True, capture_output=True)
    for name in FILES:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes() == (
            SHIPPED / name
        ).read_bytes(), name
