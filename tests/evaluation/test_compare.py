"""`sracl compare`: means, relative difference and a paired t-test over the seeds two runs share."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from helpers import run_cli
from sracl_cli.evaluation.compare import compare_runs, load_run

A = {1: 0.10, 2: 0.12, 3: 0.11, 4: 0.50}  # seed 4 is A's alone: neither in the test nor in the compared means
B = {1: 0.13, 2: 0.14, 3: 0.12, 5: 0.90}


def _summary_run(folder: Path, values: dict[int, float]) -> Path:
    folder.mkdir(parents=True)
    seeds = list(values)
    numbers = list(values.values())
    metric = {"mean": float(np.mean(numbers)), "std": float(np.std(numbers, ddof=1)), "values": numbers, "seeds": seeds}
    (folder / "summary.json").write_text(json.dumps({"seeds": seeds, "metrics": {"hr@10": metric}}))
    return folder


def _single_run(folder: Path, value: float, seed: int | None) -> Path:
    (folder / "eval").mkdir(parents=True)
    (folder / "eval" / "metrics.json").write_text(json.dumps({"split": "test", "metrics": {"hr@10": value}}))
    if seed is not None:
        (folder / "recipe.resolved.toml").write_text(f'name = "x"\n\n[train]\nseed = {seed}\n')
    return folder


def test_paired_t_test_over_the_common_seeds(tmp_path):
    a, b = _summary_run(tmp_path / "a", A), _summary_run(tmp_path / "b", B)
    out = tmp_path / "comparison.json"
    result = run_cli("compare", a, b, "--out", out)
    assert result.exit_code == 0, result.stderr
    row = json.loads(out.read_text())["metrics"]["hr@10"]
    assert row["mean_a"] == pytest.approx(0.11) and row["mean_b"] == pytest.approx(0.13)
    assert row["rel_diff"] == pytest.approx(0.02 / 0.11)
    differences = np.array([0.03, 0.02, 0.01])  # B − A on seeds 1, 2, 3
    t = differences.mean() / (differences.std(ddof=1) / math.sqrt(3))  # 0.02 / (0.01 / √3) = 2√3
    assert row["t"] == pytest.approx(t) == pytest.approx(2 * math.sqrt(3))
    assert row["p"] == pytest.approx(2 * stats.t.sf(t, df=2))
    assert row["p"] == pytest.approx(stats.ttest_rel([0.13, 0.14, 0.12], [0.10, 0.12, 0.11]).pvalue)
    assert json.loads(out.read_text())["common_seeds"] == [1, 2, 3]
    assert "+18.18%" in result.stdout and f"{row['p']:.4g}" in result.stdout and "note:" not in result.stdout


def test_fewer_than_two_common_seeds_gives_means_and_no_p(tmp_path):
    a = _summary_run(tmp_path / "a", A)
    b = _single_run(tmp_path / "b", 0.2, seed=3)
    result = run_cli("compare", a, b)
    assert result.exit_code == 0, result.stderr
    assert "n/a" in result.stdout and "fewer than 2 seeds in common (1): no paired t-test" in result.stdout
    comparison = compare_runs(load_run(a), load_run(b))
    assert comparison["common_seeds"] == [3]
    expected = {"mean_a": 0.11, "mean_b": 0.2, "rel_diff": 0.09 / 0.11, "t": None, "p": None}
    assert comparison["metrics"]["hr@10"] == pytest.approx(expected)


def test_a_single_run_without_a_resolved_recipe_has_no_seed(tmp_path):
    run = load_run(_single_run(tmp_path / "a", 0.3, seed=None))
    assert run.seeds == [None] and run.mean("hr@10") == 0.3


def test_a_run_against_itself_has_no_p(tmp_path):
    a = _summary_run(tmp_path / "a", A)
    result = run_cli("compare", a, a)
    assert result.exit_code == 0, result.stderr
    row = compare_runs(load_run(a), load_run(a))["metrics"]["hr@10"]
    assert row == {"mean_a": row["mean_a"], "mean_b": row["mean_a"], "rel_diff": 0.0, "t": None, "p": None}
    assert "n/a" in result.stdout and "p is n/a where B − A is the same on every common seed" in result.stdout


def test_a_seeds_run_without_its_summary_is_read_from_its_finished_seeds(tmp_path):
    a = _summary_run(tmp_path / "a", A)
    b = tmp_path / "b"
    for seed in (3, 1):  # seed 2 is still training: no metrics yet
        _single_run(b / "seeds" / f"seed-{seed}", B[seed], seed=None)
    (b / "seeds" / "seed-2" / "train").mkdir(parents=True)
    run = load_run(b)
    assert run.seeds == [1, 3] and run.values == {"hr@10": [0.13, 0.12]}
    assert run.note == "no summary.json yet: the 2 finished seed(s) 1, 3"
    result = run_cli("compare", a, b)
    assert result.exit_code == 0, result.stderr
    comparison = compare_runs(load_run(a), run)
    assert comparison["common_seeds"] == [1, 3]
    assert comparison["metrics"]["hr@10"]["mean_b"] == pytest.approx(0.125)
    assert "B: no summary.json yet: the 2 finished seed(s) 1, 3" in result.stdout


def test_a_missing_run_names_the_files_it_expected(tmp_path):
    a = _summary_run(tmp_path / "a", A)
    result = run_cli("compare", a, tmp_path / "nope")
    assert result.exit_code == 2
    assert str(tmp_path / "nope" / "summary.json") in result.stderr
    assert str(tmp_path / "nope" / "eval" / "metrics.json") in result.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "invalid JSON"),
        ('{"seeds": [1, 2], "metrics": {"hr@10": {"values": [0.1]}}}', "one value per seed"),
        ('{"metrics": {}}', "not a sracl summary.json"),
    ],
)
def test_an_invalid_summary_is_a_usage_error(tmp_path, text, message):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "summary.json").write_text(text)
    result = run_cli("compare", tmp_path / "bad", tmp_path / "bad")
    assert result.exit_code == 2 and message in result.stderr and "summary.json" in result.stderr
