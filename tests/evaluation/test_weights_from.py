"""`eval.weights_from`: a recipe that evaluates another run's weights (each seed's) under its own eval settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from sracl_cli.recipe import load_recipe
from sracl_cli.reporting.record import open_run

QUICKSTART = Path(__file__).resolve().parents[2] / "recipes" / "quickstart.toml"
ONE_EPOCH = ["--set", "objective.name=none", "--set", "train.epochs=1", "--set", "train.threads=1"]
SEEDS = [7, 2024]


def _metrics(folder: Path) -> dict[str, float]:
    return json.loads((folder / "eval" / "metrics.json").read_text())["metrics"]


def _masked(command: str, trained: Path, out: Path, *extra: str):
    return run_cli(command, QUICKSTART, *ONE_EPOCH, "--set", f"train.seeds={SEEDS}", "--set",
                   f'output.dir="{out}"', "--set", f'eval.weights_from="{trained}"', *extra)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("weights") / "trained"
    result = run_cli("train", QUICKSTART, *ONE_EPOCH, "--set", f"train.seeds={SEEDS}", "--set", f'output.dir="{out}"')
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.slow
def test_the_same_eval_settings_give_the_trained_runs_own_metrics(trained, tmp_path):
    result = _masked("run", trained, tmp_path / "again")
    assert result.exit_code == 0, result.stderr
    for seed in SEEDS:
        folder = tmp_path / "again" / "seeds" / f"seed-{seed}"
        assert _metrics(folder) == _metrics(trained / "seeds" / f"seed-{seed}")
        assert not (folder / "train").exists()  # nothing trained, nothing copied
        inputs = json.loads((folder / "eval" / "manifest.json").read_text())["inputs"]
        assert str(trained / "seeds" / f"seed-{seed}" / "train" / "model.pt") in inputs
    assert "sracl train" not in result.stdout and "train:" not in result.stdout  # no train stage, not even skipped


@pytest.mark.slow
def test_masked_history_ranks_no_target_lower_and_a_second_run_skips(trained, tmp_path):
    out = tmp_path / "masked"
    assert _masked("run", trained, out, "--set", "eval.mask_history=true").exit_code == 0
    for seed in SEEDS:
        masked, plain = _metrics(out / "seeds" / f"seed-{seed}"), _metrics(trained / "seeds" / f"seed-{seed}")
        assert all(masked[f"hr@{k}"] >= plain[f"hr@{k}"] for k in (5, 10, 20))
        assert masked != plain
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == SEEDS
    again = _masked("run", trained, out, "--set", "eval.mask_history=true")
    assert "eval (every seed): up to date, skipped" in again.stdout
    record = open_run(out)
    assert record.weights(2024) == trained / "seeds" / "seed-2024" / "train" / "model.pt"


@pytest.mark.slow
def test_weights_of_another_network_are_refused_before_anything_is_written(trained, tmp_path):
    out = tmp_path / "other"
    result = _masked("eval", trained, out, "--set", "model.hidden=32")
    assert result.exit_code == 2
    assert "eval.weights_from:" in result.stderr and "records another [model] than this recipe's" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_train_refuses_a_recipe_that_evaluates_another_runs_weights(tmp_path, dry_run):
    result = _masked("train", tmp_path, tmp_path / "out", *dry_run)
    assert result.exit_code == 2
    assert "eval.weights_from is set" in result.stderr and "run `sracl eval" in result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_names_the_missing_weights_and_what_to_do(tmp_path):
    result = _masked("validate", tmp_path / "never-trained", tmp_path / "out")
    assert result.exit_code == 2
    missing = tmp_path / "never-trained" / "seeds" / "seed-7" / "train" / "model.pt"
    assert f"eval.weights_from: {missing}" in result.stderr and "train that run first" in result.stderr


def test_the_path_resolves_against_the_recipe_and_need_not_exist_yet(tmp_path):
    recipe = tmp_path / "masked.toml"
    recipe.write_text(f'extends = "{QUICKSTART}"\n[eval]\nweights_from = "runs/base"\nmask_history = true\n')
    assert load_recipe(recipe).config.eval.weights_from == tmp_path / "runs" / "base"


@pytest.mark.slow
def test_a_single_run_recipe_evaluates_the_other_runs_own_weights(tmp_path):
    trained, again = tmp_path / "single", tmp_path / "again"
    assert run_cli("train", QUICKSTART, *ONE_EPOCH, "--set", f'output.dir="{trained}"').exit_code == 0
    result = run_cli("eval", QUICKSTART, *ONE_EPOCH, "--set", f'output.dir="{again}"', "--set",
                     f'eval.weights_from="{trained}"')
    assert result.exit_code == 0, result.stderr
    assert _metrics(again) == _metrics(trained) and not (again / "train").exists()
