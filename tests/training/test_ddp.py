"""`torchrun -m sracl_cli train` on CPU (gloo), end to end on the bundled sample: two processes train what one
process trains with the same global batch (`none` and SRA-CL with the bank), two torchrun "nodes" on 127.0.0.1
write one set of artifacts, and a killed DDP run resumes to where an uninterrupted DDP run ends."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from helpers import run_cli
from sracl_cli.run_lock import LOCK_FILE, is_stale, read_holder

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "retrieval"))
from quickstart_units import write_embed_artifacts  # noqa: E402

QUICKSTART = REPO / "recipes" / "quickstart.toml"
# 11,115 training samples in batches of 1,000: 12 steps, the last of 115 (58 + 57 rows on two ranks).
# Dropout off: it is the one thing a rank draws differently from one process (its own stream).
SAME = ["model.dropout=0", "model.attn_dropout=0", "train.epochs=1", "train.batch_size=1000", "train.threads=1"]
NONE = ["objective.name=none"]
# SRA-CL on cheap unit vectors (tests/retrieval/quickstart_units.py) with no random substitution: L_CS one-way,
# L_IS symmetric, both over the gathered batch, and the bank refreshed from every rank.
SRACL = ['prompts.user_unit="prefix"', "objective.attn_dropout=0", "objective.substitute_p=0"]
ARTIFACTS = {"recipe.resolved.toml", "train/model.pt", "train/history.json", "train/checkpoint.pt",
             "train/manifest.json", "eval/metrics.json", "eval/manifest.json"}

pytestmark = pytest.mark.slow


def _sets(out: Path, overrides: list[str]) -> list[str]:
    return ["--set", f'output.dir="{out}"', *(arg for o in overrides for arg in ("--set", o))]


def _torchrun_command(out: Path, overrides: list[str], launch: list[str], *extra: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", *launch, "-m", "sracl_cli", "train", str(QUICKSTART),
            *_sets(out, overrides), *extra]


def _torchrun(out: Path, overrides: list[str], *extra: str) -> subprocess.CompletedProcess:
    launch = ["--standalone", "--nproc-per-node", "2"]
    result = subprocess.run(_torchrun_command(out, overrides, launch, *extra), capture_output=True, text=True,
                            timeout=900, env=_env())
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def _one_process(out: Path, overrides: list[str]) -> None:
    result = run_cli("train", QUICKSTART, *_sets(out, overrides))
    assert result.exit_code == 0, result.stderr


def _state(out: Path) -> dict:
    return torch.load(out / "train" / "checkpoint.pt", weights_only=True)


def _history(out: Path) -> list[dict]:
    keep = ("epoch", "loss", "losses", "valid", "best")  # seconds and samples/s are timings
    history = json.loads((out / "train" / "history.json").read_text())
    return [{key: epoch[key] for key in keep} for epoch in history]


def _files(out: Path) -> set[str]:
    return {str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def semantic_dir(tmp_path_factory) -> Path:
    """embed/ (cheap vectors) and index/ (exact search) of the quickstart's prefix units."""
    folder = tmp_path_factory.mktemp("ddp-semantic")
    write_embed_artifacts(folder)
    result = run_cli("index", QUICKSTART, *_sets(folder, SRACL))
    assert result.exit_code == 0, result.stderr
    return folder


@pytest.mark.parametrize("objective", ["none", "sracl"])
def test_two_processes_train_what_one_process_trains(tmp_path, semantic_dir, objective):
    overrides = SAME + (NONE if objective == "none" else [*SRACL, f'output.semantic_dir="{semantic_dir}"'])
    _one_process(tmp_path / "one", overrides)
    printed = _torchrun(tmp_path / "two", overrides).stdout
    assert printed.count("epoch   1  loss") == 1  # rank 0 alone prints

    one, two = _state(tmp_path / "one"), _state(tmp_path / "two")
    for part in ("model", "objective"):  # the objective holds SRA-CL's synthesizer weights and bank
        assert one[part].keys() == two[part].keys()
        for name, value in one[part].items():  # float noise of 500- vs 1,000-row matmuls: ~3e-5 of the scale
            scale = float(value.abs().max())
            torch.testing.assert_close(two[part][name], value, rtol=0, atol=1e-4 * scale, msg=f"{part}.{name}")
    (epoch_one,), (epoch_two,) = _history(tmp_path / "one"), _history(tmp_path / "two")
    expected = {"none": {"rec"}, "sracl": {"rec", "cs", "is"}}[objective]
    assert set(epoch_two["losses"]) == expected
    assert epoch_two["loss"] == pytest.approx(epoch_one["loss"], rel=1e-6)
    assert epoch_two["losses"] == pytest.approx(epoch_one["losses"], rel=1e-6)
    assert epoch_two["valid"] == pytest.approx(epoch_one["valid"], abs=1e-3)
    assert _files(tmp_path / "two") == _files(tmp_path / "one")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_nodes_on_one_host_write_one_set_of_artifacts(tmp_path):
    out = tmp_path / "run"
    launch = ["--nnodes", "2", "--nproc-per-node", "1", "--rdzv-backend", "c10d",
              "--rdzv-endpoint", f"127.0.0.1:{_free_port()}", "--rdzv-id", "sracl-test"]
    command = _torchrun_command(out, SAME + NONE, launch)
    nodes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for _ in range(2)]
    outputs = [node.communicate(timeout=900) for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], [err[-2000:] for _, err in outputs]
    assert _files(out) == ARTIFACTS
    assert sorted("epoch   1  loss" in printed for printed, _ in outputs) == [False, True]  # one node has rank 0
    assert [epoch["epoch"] for epoch in _history(out)] == [1]


def _checkpoint_epoch(path: Path) -> int:
    try:
        return torch.load(path, weights_only=True)["epoch"]
    except (FileNotFoundError, RuntimeError, EOFError):
        return 0


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):  # a process that ended meanwhile
            continue
    return children


def _wait_until_gone(lock: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (holder := read_holder(lock)) is not None and not is_stale(holder):
        assert time.monotonic() < deadline, f"rank 0 (pid {holder['pid']}) still runs after SIGKILL"
        time.sleep(0.2)


def test_a_killed_ddp_run_resumes_to_where_an_uninterrupted_ddp_run_ends(tmp_path):
    # dropout on (the default): each rank's own random stream must resume too
    overrides = NONE + ["train.epochs=3", "train.patience=10", "train.batch_size=1000", "train.threads=1"]
    killed = tmp_path / "killed"
    launch = ["--standalone", "--nproc-per-node", "2"]
    with (tmp_path / "killed.log").open("w") as log:
        torchrun = subprocess.Popen(_torchrun_command(killed, overrides, launch), stdout=log, stderr=log,
                                    env=_env())
        try:
            deadline = time.monotonic() + 900
            while _checkpoint_epoch(killed / "train" / "checkpoint.pt") < 1:
                assert torchrun.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no checkpoint of epoch 1"
                time.sleep(0.2)
        finally:
            for pid in [*_children(torchrun.pid), torchrun.pid]:  # the ranks (torchrun gives them their own session)
                os.kill(pid, signal.SIGKILL)
            torchrun.wait()
    _wait_until_gone(killed / LOCK_FILE)  # the ranks are torchrun's children: not ours to wait for
    assert _checkpoint_epoch(killed / "train" / "checkpoint.pt") < 3
    resumed = _torchrun(killed, overrides, "--resume")
    assert "resuming after epoch" in resumed.stdout

    straight = tmp_path / "straight"
    _torchrun(straight, overrides)
    assert [epoch["epoch"] for epoch in _history(killed)] == [1, 2, 3]
    assert _history(killed) == _history(straight)
    metrics = [json.loads((out / "eval" / "metrics.json").read_text())["metrics"] for out in (killed, straight)]
    assert metrics[0] == metrics[1]
