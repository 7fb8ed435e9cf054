"""`sracl train --dry-run`: the run built as train builds it, a few batches timed, estimates for an epoch and
the epoch cap (× seeds), nothing written; and scripts/estimate_repro.py over a suite of recipes."""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path

import pytest

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from sracl_cli.training import dry_run

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "recipes" / "quickstart.toml"
SMALL = ["--set", "objective.name=none", "--set", "data.min_core=4", "--set", "train.threads=1"]
TRAINING_SAMPLES = 1982  # the quickstart sample's 4-core (tests/test_stages.py's setting)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def quiet_folder(tmp_path, monkeypatch):
    """The working directory, where a default run directory would go: it must stay empty."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
def test_dry_run_json_estimates_from_timed_batches_and_writes_nothing(quiet_folder):
    out = quiet_folder / "run"
    result = run_cli("train", QUICKSTART, "--dry-run", "--json", *SMALL, "--set", f'output.dir="{out}"',
                     "--set", "train.epochs=7", "--set", "train.seeds=[1, 2, 3]", "--set", "train.batch_size=128")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is the JSON alone
    assert _files(quiet_folder) == []
    assert report["training_samples"] == TRAINING_SAMPLES
    assert report["batches_per_epoch"] == math.ceil(TRAINING_SAMPLES / 128) == 16
    assert (report["warmup_batches"], report["timed_batches"]) == (dry_run.WARMUP_BATCHES, dry_run.TIMED_BATCHES)
    assert (report["epochs"], report["seeds"], report["device"], report["threads"]) == (7, 3, "cpu", 1)
    assert report["seconds_per_batch"] > 0 and report["valid_seconds_per_epoch"] > 0
    assert report["train_seconds_per_epoch"] == pytest.approx(16 * report["seconds_per_batch"])
    assert report["seconds_per_epoch"] == pytest.approx(report["train_seconds_per_epoch"]
                                                        + report["valid_seconds_per_epoch"])
    per_seed = report["setup_seconds"] + 7 * report["seconds_per_epoch"] + report["test_seconds"]
    assert report["seconds_per_seed"] == pytest.approx(per_seed)
    assert report["seconds_total"] == pytest.approx(report["load_seconds"] + 3 * per_seed)
    assert "timing 10 of 16 batches" in result.stderr


@pytest.mark.slow
def test_dry_run_prints_a_table(quiet_folder):
    result = run_cli("train", QUICKSTART, "--dry-run", *SMALL, "--set", "train.epochs=2")
    assert result.exit_code == 0, result.stderr
    assert "estimated time at the epoch cap" in result.stdout
    assert "quickstart" in result.stdout and "2 × 1" in result.stdout and "cpu, 1 thread(s)" in result.stdout
    assert _files(quiet_folder) == []


def test_dry_run_of_an_objective_without_its_artifacts_names_the_stage_to_run(quiet_folder):
    result = run_cli("train", QUICKSTART, "--dry-run", "--set", "data.min_core=4")
    assert result.exit_code == 2
    assert result.stderr.endswith(f"run `sracl embed {os.path.relpath(QUICKSTART)}` first\n"), result.stderr
    assert "embed/units.npz: missing" in result.stderr
    assert result.stdout == "" and _files(quiet_folder) == []


def test_json_without_dry_run_is_a_usage_error(quiet_folder):
    result = run_cli("train", QUICKSTART, "--json")
    assert result.exit_code == 2 and "--json goes with --dry-run" in result.stderr
    assert _files(quiet_folder) == []


def _estimate_repro():
    spec = importlib.util.spec_from_file_location("estimate_repro", REPO / "scripts" / "estimate_repro.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_repro_suite_is_every_recipe_its_report_specs_name():
    found = _estimate_repro().suite_recipes(REPO / "recipes" / "repro")
    names = sorted(str(path.relative_to(REPO / "recipes" / "repro")) for path in found)
    assert len(names) == len(set(names)) == 30
    assert "scientific/common.toml" not in names and "beauty/none.toml" in names  # a base is not a run
    assert "scientific/ablation_uniform.toml" in names and "local_llm/llm.toml" in names
    assert "scientific/sracl_bank_sequence.toml" in names  # named by sequence.report.toml
    assert "beauty/sracl_bank_sequence.toml" in names and "scientific/ablation_uniform_sequence.toml" in names
    assert "beauty/cl4srec_sequence.toml" in names and "beauty/duorec_sequence.toml" in names


@pytest.mark.slow
def test_estimate_repro_estimates_each_recipe_or_says_which_stage_to_run(quiet_folder, monkeypatch, capsys):
    suite = quiet_folder / "suite"
    suite.mkdir()
    small = QUICKSTART_DATA.replace("[data]\n", "[data]\nmin_core = 4\n")
    write_recipe(suite, f'name = "plain"\n{small}\n[train]\nepochs = 3\nthreads = 1\n', "plain.toml")
    write_recipe(suite, f'name = "semantic"\n{small}\n[objective]\nname = "sracl"\n', "semantic.toml")
    write_recipe(suite, 'extends = "plain.toml"\nname = "masked"\n[eval]\nmask_history = true\n'
                        'weights_from = "runs/a"\n', "masked.toml")
    write_recipe(suite, 'name = "s"\nrows = [{label = "a", recipe = "plain.toml", run = "runs/a"}, '
                        '{label = "b", recipe = "semantic.toml", run = "runs/b"}, '
                        '{label = "c", recipe = "masked.toml", run = "runs/c"}]\n', "report.toml")
    before = _files(quiet_folder)
    monkeypatch.setattr("sys.argv", ["estimate_repro.py", str(suite), "--json"])
    with pytest.raises(SystemExit) as exit_:
        _estimate_repro().main()
    assert exit_.value.code == 2  # one recipe could not be estimated
    printed = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in printed["estimates"]] == ["plain"]
    assert printed["seconds_total"] == pytest.approx(printed["estimates"][0]["seconds_total"])
    assert printed["estimates"][0]["epochs"] == 3
    assert list(printed["problems"]) == [str(suite / "semantic.toml")]
    assert printed["evaluate_only"] == [str(suite / "masked.toml")]
    assert "run `sracl embed" in printed["problems"][str(suite / "semantic.toml")]
    assert _files(quiet_folder) == before
