"""End to end through the CLI on the bundled Beauty sample: train, eval, determinism, plugins, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import run_cli

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "recipes" / "quickstart.toml"
FAST = ["--set", "train.epochs=2", "--set", "train.threads=1", "--set", "objective.name=none"]


def _train(out: Path, *extra: str):
    result = run_cli("train", QUICKSTART, "--set", f'output.dir="{out}"', *FAST, *extra)
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "quickstart"
    return out, _train(out)


@pytest.mark.slow
def test_train_writes_every_artifact(trained):
    out, result = trained
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "eval/manifest.json", "eval/metrics.json", "recipe.resolved.toml", "train/checkpoint.pt",
        "train/history.json", "train/manifest.json", "train/model.pt",
    ]
    history = json.loads((out / "train" / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[1]["loss"] < history[0]["loss"]
    assert history[0]["samples_per_s"] > 0
    metrics = json.loads((out / "eval" / "metrics.json").read_text())
    assert metrics["split"] == "test" and metrics["users"] == 2000
    assert set(metrics["metrics"]) == {f"{m}@{k}" for m in ("hr", "ndcg", "mrr") for k in (5, 10, 20)}
    assert 0 < metrics["metrics"]["hr@20"] < 1
    assert metrics["metrics"]["hr@5"] <= metrics["metrics"]["hr@10"] <= metrics["metrics"]["hr@20"]
    assert "samples/s" in result.stdout and "HR" in result.stdout
    manifest = json.loads((out / "train" / "manifest.json").read_text())
    assert manifest["best_epoch"] in (1, 2) and "model.pt" in manifest["outputs"]


@pytest.mark.slow
def test_same_seed_same_metrics_and_eval_reproduces_them(trained, tmp_path):
    out, _ = trained
    first = json.loads((out / "eval" / "metrics.json").read_text())["metrics"]
    again = tmp_path / "again"
    _train(again)
    assert json.loads((again / "eval" / "metrics.json").read_text())["metrics"] == first
    result = run_cli("eval", QUICKSTART, "--set", f'output.dir="{out}"', "--set", "train.threads=1")
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "eval" / "metrics.json").read_text())["metrics"] == first


@pytest.mark.slow
def test_a_different_seed_changes_the_model(trained, tmp_path):
    out, _ = trained
    other = tmp_path / "other"
    _train(other, "--set", "train.seed=7")
    loss = lambda run: json.loads((run / "train" / "history.json").read_text())[0]["loss"]  # noqa: E731
    assert loss(other) != loss(out)


@pytest.mark.slow
def test_mask_history_is_applied_at_eval(trained):
    out, _ = trained
    plain = json.loads((out / "eval" / "metrics.json").read_text())["metrics"]
    result = run_cli("eval", QUICKSTART, "--set", f'output.dir="{out}"', "--set", "eval.mask_history=true")
    assert result.exit_code == 0
    masked = json.loads((out / "eval" / "metrics.json").read_text())["metrics"]
    assert masked["hr@20"] >= plain["hr@20"] and masked != plain


def test_eval_without_a_trained_model_is_a_usage_error(tmp_path):
    result = run_cli("eval", QUICKSTART, "--set", f'output.dir="{tmp_path / "none"}"')
    assert result.exit_code == 2
    assert "checkpoint not found" in result.stderr and "sracl train" in result.stderr
    assert not (tmp_path / "none").exists()


@pytest.mark.slow
@pytest.mark.parametrize("backbone", ["gru4rec", "bert4rec"])
def test_builtin_backbones_train_through_the_cli(tmp_path, backbone):
    out = tmp_path / backbone
    _train(out, "--set", f"model.backbone={backbone}", "--set", "train.epochs=1")
    history = json.loads((out / "train" / "history.json").read_text())
    assert len(history) == 1 and history[0]["loss"] > 0
    assert json.loads((out / "eval" / "metrics.json").read_text())["metrics"]["hr@20"] > 0


@pytest.mark.slow
def test_third_party_backbone_trains_through_the_cli(tmp_path):
    out = tmp_path / "meanpool"
    result = _train(out, "--set", "model.backbone=meanpool", "--set", "model.hidden=32")
    assert "HR" in result.stdout
    resolved = (out / "recipe.resolved.toml").read_text()
    assert 'backbone = "meanpool"' in resolved and "hidden = 32" in resolved
    assert json.loads((out / "eval" / "metrics.json").read_text())["metrics"]["hr@20"] > 0


def test_bad_data_file_reports_file_and_line(tmp_path):
    bad = tmp_path / "Bad.txt"
    bad.write_text("1 1\n1 2\n1 3\nx 4\n")
    recipe = tmp_path / "bad.toml"
    recipe.write_text(f'[data]\npath = "{bad}"\n[output]\ndir = "{tmp_path / "out"}"\n')
    result = run_cli("train", recipe)
    assert result.exit_code == 2
    assert result.stderr.startswith("Bad.txt:4: expected 2 integers")
    assert not (tmp_path / "out").exists()


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("train", "eval", "validate", "plugins", "embed", "index", "run"):
        assert command in result.stdout


def test_validate_imports_no_heavy_library():
    code = textwrap.dedent(
        f"""
        import sys
        from typer.testing import CliRunner
        from sracl_cli.cli import app
        result = CliRunner().invoke(app, ["validate", {str(QUICKSTART)!r}])
        assert result.exit_code == 0, result.output
        heavy = [m for m in ("torch", "litellm", "chromadb", "sentence_transformers") if m in sys.modules]
        print(heavy)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
