"""`train.seeds`: one run per seed in seeds/seed-<n>/, summary.json of mean ± std, resume skips finished seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
# next-item loss only: the quickstart's SRA-CL objective would need `sracl embed` + `sracl index` first
ONE_EPOCH = ["--set", "objective.name=none", "--set", "train.epochs=1", "--set", "train.threads=1"]
SEEDS = [7, 2024]  # 2024 runs second, after seed 7 in the same process


def _train(out: Path, *extra: str):
    return run_cli("train", QUICKSTART, "--set", f'output.dir="{out}"', *ONE_EPOCH, *extra)


def _metrics(folder: Path) -> dict[str, float]:
    return json.loads((folder / "eval" / "metrics.json").read_text())["metrics"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds") / "quickstart"
    result = _train(out, "--set", f"train.seeds={SEEDS}")
    assert result.exit_code == 0, result.stderr
    return out, result


@pytest.mark.slow
def test_each_seed_gets_its_own_run_and_the_summary_their_mean_and_std(seeded):
    out, result = seeded
    for seed in SEEDS:
        assert {p.name for p in (out / "seeds" / f"seed-{seed}").iterdir()} == {"train", "eval", "recipe.resolved.toml"}
    assert not (out / "train").exists() and not (out / "eval").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == SEEDS
    per_seed = [_metrics(out / "seeds" / f"seed-{seed}") for seed in SEEDS]
    assert set(summary["metrics"]) == set(per_seed[0])
    for name, stats in summary["metrics"].items():
        values = [metrics[name] for metrics in per_seed]
        assert stats["values"] == values and stats["seeds"] == SEEDS
        assert stats["mean"] == float(np.mean(values))
        assert stats["std"] == float(np.std(values, ddof=1))
    assert "mean ± std over 2 seeds" in result.stdout
    assert f"{summary['metrics']['hr@5']['mean']:.4f} ± {summary['metrics']['hr@5']['std']:.4f}" in result.stdout


@pytest.mark.slow
def test_a_seed_run_equals_a_single_run_with_that_seed(seeded, tmp_path):
    out, _ = seeded
    single = tmp_path / "single"
    assert _train(single, "--set", "train.seed=2024").exit_code == 0
    seed_run = out / "seeds" / "seed-2024"
    assert _metrics(seed_run) == _metrics(single)
    history = lambda run: json.loads((run / "train" / "history.json").read_text())[0]["loss"]  # noqa: E731
    assert history(seed_run) == history(single)
    assert 'seed = 2024' in (seed_run / "recipe.resolved.toml").read_text()
    assert "seeds = [" in (out / "recipe.resolved.toml").read_text()


@pytest.mark.slow
def test_resume_skips_finished_seeds_and_finishes_the_others(seeded, tmp_path):
    out = tmp_path / "quickstart"
    shutil.copytree(seeded[0], out)
    (out / "seeds" / "seed-2024" / "eval" / "metrics.json").unlink()  # trained, not yet evaluated
    (out / "summary.json").unlink()
    result = _train(out, "--set", f"train.seeds={SEEDS}", "--resume")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("finished earlier, skipped") == 1 and "resuming after epoch 1" in result.stdout
    assert json.loads((out / "summary.json").read_text()) == json.loads((seeded[0] / "summary.json").read_text())


def test_resume_with_no_seed_started_is_a_usage_error(tmp_path):
    result = _train(tmp_path / "none", "--set", f"train.seeds={SEEDS}", "--resume")
    assert result.exit_code == 2
    assert "nothing to resume (no seed has a checkpoint)" in result.stderr
    assert not (tmp_path / "none").exists()


def test_a_seed_listed_twice_is_a_usage_error(tmp_path):
    result = _train(tmp_path / "twice", "--set", "train.seeds=[1, 2, 1]")
    assert result.exit_code == 2 and "train.seeds: each seed once, got 1 more than once" in result.stderr


@pytest.mark.slow
def test_compare_a_seed_run_with_a_single_run(seeded, tmp_path):
    out, _ = seeded
    single = out / "seeds" / "seed-7"
    report = tmp_path / "compare.json"
    result = run_cli("compare", out, single, "--out", report)
    assert result.exit_code == 0, result.stderr
    comparison = json.loads(report.read_text())
    assert comparison["seeds_b"] == [7] and comparison["common_seeds"] == [7]
    row = comparison["metrics"]["hr@10"]
    assert row["mean_a"] == row["mean_b"] == _metrics(single)["hr@10"]  # both means over the shared seed 7
    assert row["p"] is None and "n/a" in result.stdout and "fewer than 2 seeds in common (1)" in result.stdout


@pytest.mark.slow
def test_eval_of_a_seeds_recipe_re_evaluates_every_seed_and_the_summary(seeded, tmp_path):
    out, _ = seeded
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = json.loads((copy / "summary.json").read_text())
    (copy / "summary.json").unlink()
    result = run_cli("eval", QUICKSTART, "--set", f'output.dir="{copy}"', *ONE_EPOCH, "--set", f"train.seeds={SEEDS}")
    assert result.exit_code == 0, result.stderr
    assert json.loads((copy / "summary.json").read_text()) == before
    shutil.rmtree(copy / "seeds" / "seed-7" / "train")
    missing = run_cli("eval", QUICKSTART, "--set", f'output.dir="{copy}"', *ONE_EPOCH, "--set", f"train.seeds={SEEDS}")
    assert missing.exit_code == 2 and "seed-7/train/model.pt: checkpoint not found" in missing.stderr


@pytest.mark.slow
def test_run_skips_a_seeds_recipe_whose_seeds_are_all_current(tmp_path):
    # manifests pin absolute paths, so this needs its own run rather than a copy of the shared one
    out = tmp_path / "run"
    args = ("run", QUICKSTART, "--set", f'output.dir="{out}"', *ONE_EPOCH, "--set", f"train.seeds={SEEDS}")
    assert run_cli(*args).exit_code == 0
    again = run_cli(*args)
    assert again.exit_code == 0, again.stderr
    assert "train (every seed): up to date, skipped" in again.stdout
    changed = run_cli(*args, "--set", "optimizer.lr=0.002")
    assert changed.exit_code == 0 and "up to date" not in changed.stdout
