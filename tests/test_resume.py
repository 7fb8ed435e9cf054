"""`sracl train --resume` after a SIGKILL mid-run ends exactly where an uninterrupted run ends."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from helpers import run_cli

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
# The quickstart trains full SRA-CL, which needs `sracl embed` + `sracl index` first; these tests are about the
# loop's state, so they train the next-item loss only.
SETTINGS = ["--set", "objective.name=none", "--set", "train.epochs=4", "--set", "train.threads=1"]
SETTINGS += ["--set", "train.patience=10"]


def _args(out: Path, *extra: str) -> list[str]:
    return ["train", str(QUICKSTART), "--set", f'output.dir="{out}"', *SETTINGS, *extra]


def _checkpoint_epoch(path: Path) -> int:
    try:
        return torch.load(path, weights_only=True)["epoch"]
    except (FileNotFoundError, RuntimeError, EOFError):
        return 0


def _train_until_killed(out: Path, after_epoch: int, timeout: float = 300) -> None:
    """Run `sracl train` in a subprocess and SIGKILL it once the checkpoint of `after_epoch` is written."""
    log = (out.parent / "killed.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "sracl_cli", *_args(out)], stdout=log, stderr=subprocess.STDOUT)
    checkpoint, deadline = out / "train" / "checkpoint.pt", time.monotonic() + timeout
    try:
        while _checkpoint_epoch(checkpoint) < after_epoch:
            assert process.poll() is None, f"training ended before epoch {after_epoch}: see {log.name}"
            assert time.monotonic() < deadline, f"no checkpoint of epoch {after_epoch} after {timeout} s"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        log.close()


def _outcome(out: Path) -> tuple[dict, list]:
    metrics = json.loads((out / "eval" / "metrics.json").read_text())["metrics"]
    history = json.loads((out / "train" / "history.json").read_text())
    keep = ("epoch", "loss", "losses", "valid", "best")  # seconds and samples/s are timings
    return metrics, [{key: epoch[key] for key in keep} for epoch in history]


@pytest.mark.slow
def test_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path):
    killed = tmp_path / "killed" / "quickstart"
    killed.parent.mkdir()
    _train_until_killed(killed, after_epoch=2)
    assert _checkpoint_epoch(killed / "train" / "checkpoint.pt") < 4
    assert not (killed / "eval" / "metrics.json").exists()
    resumed = run_cli(*_args(killed, "--resume"))
    assert resumed.exit_code == 0, resumed.stderr
    assert "resuming after epoch" in resumed.stdout

    straight = tmp_path / "straight"
    result = run_cli(*_args(straight))
    assert result.exit_code == 0, result.stderr

    metrics, history = _outcome(killed)
    assert [epoch["epoch"] for epoch in history] == [1, 2, 3, 4]
    assert (metrics, history) == _outcome(straight)


def test_resume_without_a_checkpoint_is_a_usage_error(tmp_path):
    result = run_cli(*_args(tmp_path / "none", "--resume"))
    assert result.exit_code == 2
    assert "nothing to resume (no checkpoint); run without --resume" in result.stderr
    assert str(tmp_path / "none" / "train" / "checkpoint.pt") in result.stderr


# `sracl run --resume`, the note before a fresh start overwrites a stopped run, and recipe checks on resume
SMALL = ["--set", "objective.name=none", "--set", "train.threads=1", "--set", "data.min_core=4",
         "--set", "train.patience=10"]


def _small(command: str, out: Path, *extra: str) -> list[str]:
    return [command, str(QUICKSTART), "--set", f'output.dir="{out}"', *SMALL, *extra]


def _kill_after_epoch(args: list[str], checkpoint: Path, epoch: int, log: Path) -> None:
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "sracl_cli", *args], stdout=handle, stderr=handle)
        try:
            while _checkpoint_epoch(checkpoint) < epoch:
                assert process.poll() is None, f"ended before epoch {epoch}: see {log}"
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_run_resume_continues_a_killed_run_and_a_plain_run_says_it_starts_over(tmp_path):
    killed = tmp_path / "killed"
    _kill_after_epoch(_small("run", killed, "--set", "train.epochs=3"), killed / "train" / "checkpoint.pt", 1,
                      tmp_path / "killed.log")
    assert _checkpoint_epoch(killed / "train" / "checkpoint.pt") < 3
    fresh = tmp_path / "fresh"
    shutil.copytree(killed, fresh)

    plain = run_cli(*_small("run", fresh, "--set", "train.epochs=3"))
    assert plain.exit_code == 0, plain.stderr
    assert f"{fresh / 'train' / 'checkpoint.pt'} holds epoch" in plain.stdout and "--resume" in plain.stdout

    resumed = run_cli(*_small("run", killed, "--set", "train.epochs=3", "--resume"))
    assert resumed.exit_code == 0, resumed.stderr
    assert "resuming after epoch" in resumed.stdout
    assert _outcome(killed) == _outcome(fresh)
    assert [epoch["epoch"] for epoch in _outcome(killed)[1]] == [1, 2, 3]


@pytest.mark.slow
def test_resume_refuses_a_checkpoint_written_with_another_recipe(tmp_path):
    out = tmp_path / "run"
    assert run_cli(*_small("train", out, "--set", "train.epochs=1")).exit_code == 0
    result = run_cli(*_small("train", out, "--set", "train.epochs=1", "--set", "optimizer.lr=0.01", "--resume"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{out / 'train' / 'checkpoint.pt'}: written with a different recipe")
    longer = run_cli(*_small("train", out, "--set", "train.epochs=2", "--resume"))  # a higher epoch cap continues
    assert longer.exit_code == 0, longer.stderr
    assert "resuming after epoch 1" in longer.stdout


@pytest.mark.slow
def test_resume_skips_a_finished_seed_only_when_it_is_current(tmp_path):
    out, seeds = tmp_path / "seeds", ["--set", "train.seeds=[1, 2]", "--set", "train.epochs=1"]
    assert run_cli(*_small("train", out, *seeds)).exit_code == 0
    again = run_cli(*_small("train", out, *seeds, "--resume"))
    assert again.exit_code == 0 and again.stdout.count("finished earlier, skipped") == 2
    edited = run_cli(*_small("train", out, *seeds, "--set", "optimizer.lr=0.01", "--resume"))
    assert edited.exit_code == 2 and "finished earlier" not in edited.stdout
    assert "written with a different recipe" in edited.stderr
