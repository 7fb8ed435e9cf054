"""Acceptance (issue 13): the quickstart sample as a CSV (header, shuffled rows, string ids, a timestamp column)
trains through the quickstart recipe, and training on it gives the numbers the sracl-txt file gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from csv_helpers import QUICKSTART, shuffled, timed_events, write_csv

from helpers import run_cli, write_recipe

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--set", "data.min_core=4", "--set", "train.epochs=1", "--set", "train.threads=1"]


@pytest.fixture(scope="module")
def csv_recipe(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("csv_quickstart")
    write_csv(folder / "events.csv", ["user", "item", "time"], shuffled(timed_events()))
    return write_recipe(folder, f"""
extends = "{REPO / 'recipes' / 'quickstart.toml'}"
name = "quickstart-csv"

[data]
loader = "csv"
path = "events.csv"
user_column = "user"
item_column = "item"
timestamp_column = "time"
items = "{QUICKSTART / 'items.tsv'}"
items_id_column = "asin"
text_fields = ["title"]
""")


def _metrics(run: Path) -> dict:
    return json.loads((run / "eval" / "metrics.json").read_text())


@pytest.mark.slow
def test_the_csv_runs_every_stage_of_the_quickstart(csv_recipe, tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", csv_recipe, "--set", f'output.dir="{out}"', *SMALL)
    assert result.exit_code == 0, result.stderr
    assert "quickstart-csv: 296 users, 423 items, 2,870 interactions" in result.stdout
    assert "note: events.csv: 17,115 rows, 0 duplicate (user, item, timestamp) rows dropped" in result.stdout
    assert np.load(out / "embed" / "items.npy").shape == (424, 384)  # as the sracl-txt quickstart (test_pipeline)
    assert np.load(out / "index" / "user_neighbors.npy").shape == (296, 10)
    assert _metrics(out)["users"] == 296 and set(_metrics(out)["metrics"]) >= {"hr@20", "ndcg@20"}


@pytest.mark.slow
def test_training_on_the_csv_gives_the_numbers_of_the_sracl_txt_file(csv_recipe, tmp_path):
    plain = ["--set", "objective.name=none", *SMALL]  # no semantic stage: the comparison is the data alone
    runs = {}
    for name, recipe in (("csv", csv_recipe), ("txt", REPO / "recipes" / "quickstart.toml")):
        runs[name] = tmp_path / name
        result = run_cli("train", recipe, "--set", f'output.dir="{runs[name]}"', *plain)
        assert result.exit_code == 0, result.stderr
    assert _metrics(runs["csv"]) == _metrics(runs["txt"])
    history = [json.loads((run / "train" / "history.json").read_text())[0]["losses"] for run in runs.values()]
    assert history[0] == history[1]
