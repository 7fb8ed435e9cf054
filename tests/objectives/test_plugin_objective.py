"""A third-party objective (plugins/sracl-example-objective, installed by `make test`) trains through the CLI
without any edit to sracl: discovered by entry point, its own keys validated, no semantic stage run for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from sracl_cli import kinds, registry

RECIPE = QUICKSTART_DATA + """
max_len = 20
min_core = 4

[objective]
name = "dropout-cl"
weight = 0.2

[train]
epochs = 1
threads = 1
"""


def test_the_example_objective_is_discovered_from_its_own_distribution():
    plugin = registry.discover(kinds.OBJECTIVE).get("dropout-cl")
    assert plugin is not None, "install it: pip install -e plugins/sracl-example-objective (make test does)"
    assert plugin.distribution == "sracl-example-objective"
    assert plugin.load().needs == ()


def test_its_keys_are_validated_by_its_own_model(tmp_path):
    recipe = write_recipe(tmp_path, RECIPE)
    result = run_cli("validate", recipe, "--set", "objective.wieght=1", "--set", "objective.weight=-1")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "recipe.toml: objective.weight: Input should be greater than or equal to 0 (from --set)",
        "recipe.toml: objective.wieght: Extra inputs are not permitted (from --set)",
    ]


@pytest.mark.slow
def test_it_trains_through_sracl_run_with_no_semantic_stage(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", write_recipe(tmp_path, RECIPE), "--set", f'output.dir="{out}"')
    assert result.exit_code == 0, result.stderr
    assert "sracl embed" not in result.stdout and not (out / "embed").exists()
    epoch = json.loads((out / "train" / "history.json").read_text())[0]
    assert set(epoch["losses"]) == {"rec", "cl"} and all(v > 0 for v in epoch["losses"].values())
    assert epoch["loss"] == pytest.approx(epoch["losses"]["rec"] + 0.2 * epoch["losses"]["cl"], rel=1e-6)
    resolved = (out / "recipe.resolved.toml").read_text()
    assert 'name = "dropout-cl"' in resolved and "weight = 0.2" in resolved
    assert Path(out / "eval" / "metrics.json").is_file()
