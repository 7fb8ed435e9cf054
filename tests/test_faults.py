"""The fault matrix: kill -9 at several points of embed, index and train, then damage each artifact in turn.

A killed `sracl run` resumed with `--resume` ends with the metrics and the model bytes of an uninterrupted run
(its stale lock taken over); a damaged artifact is exit 2 naming the file and the command that rebuilds it, and
`sracl run` rebuilds what it finds damaged. (Killed embed runs with a paid LLM: tests/semantic/test_llm_generation.py.)
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from helpers import run_cli
from sracl_cli.run_lock import LOCK_FILE

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
SETTINGS = ["--set", "data.min_core=4", "--set", "train.epochs=2", "--set", "train.threads=1"]


def _args(command: str, out: Path, *extra: str) -> list[str]:
    return [command, str(QUICKSTART), "--set", f'output.dir="{out}"', *SETTINGS, *extra]


def _metrics(out: Path) -> dict:
    return json.loads((out / "eval" / "metrics.json").read_text())["metrics"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "quickstart"
    result = run_cli(*_args("run", out))
    assert result.exit_code == 0, result.stderr
    return out


def _epoch(checkpoint: Path) -> int:
    try:
        return torch.load(checkpoint, weights_only=True)["epoch"]
    except (FileNotFoundError, RuntimeError, EOFError):
        return 0


def _kill_when(out: Path, ready: Callable[[], bool], timeout: float = 600) -> None:
    """`sracl run --resume` in a subprocess, SIGKILLed once `ready()` (unless it finished first)."""
    with (out.parent / "killed.log").open("a") as log:
        process = subprocess.Popen([sys.executable, "-m", "sracl_cli", *_args("run", out, "--resume")],
                                   stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None and not ready():
                assert time.monotonic() < deadline, f"not ready after {timeout} s: see {log.name}"
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_kill_9_in_embed_index_and_train_then_resume_matches_an_uninterrupted_run(reference, tmp_path):
    out = tmp_path / "quickstart"
    kill_points = {
        "embed": lambda: (out / "recipe.resolved.toml").exists(),  # the embed stage has started
        "index": lambda: (out / "index").exists(),  # embed finished, the stores are being filled
        "train": lambda: _epoch(out / "train" / "checkpoint.pt") >= 1,  # epoch 1 of 2 checkpointed
    }
    for ready in kill_points.values():
        _kill_when(out, ready)
        assert (out / LOCK_FILE).exists()  # left by the killed run: stale, taken over by the next
    result = run_cli(*_args("run", out, "--resume"))
    assert result.exit_code == 0, result.stderr
    assert _metrics(out) == _metrics(reference)
    for name in ("train/model.pt", "index/item_neighbors.npy", "index/user_neighbors.npy", "embed/users.npy"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert not (out / LOCK_FILE).exists()


# artifact -> (the command that reads it, the command the message must name)
DAMAGE = {
    "embed/items.npy": (["index"], "sracl embed"),
    "embed/users.npy": (["index"], "sracl embed"),
    "embed/units.npz": (["index"], "sracl embed"),
    "index/item_neighbors.npy": (["train"], "sracl index"),
    "index/user_neighbors.npy": (["train"], "sracl index"),
    "train/model.pt": (["eval"], "sracl train"),
    "train/checkpoint.pt": (["train", "--resume"], "without --resume"),
}


@pytest.fixture
def damaged(reference, request):
    """`request.param` of the reference run, truncated to half its bytes; restored afterwards."""
    path = reference / request.param
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 2])
    yield path, original
    path.write_bytes(original)


@pytest.mark.slow
@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_a_damaged_artifact_is_exit_2_naming_it_and_its_rebuild(damaged, reference):
    damaged, _ = damaged
    command, rebuild = DAMAGE[damaged.relative_to(reference).as_posix()]
    result = run_cli(*_args(command[0], reference, *command[1:]))
    assert result.exit_code == 2, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith(f"{damaged}: truncated or corrupt")
    assert rebuild in message


@pytest.mark.slow
@pytest.mark.parametrize("damaged", ["index/item_neighbors.npy", "train/model.pt"], indirect=True)
def test_run_rebuilds_a_damaged_artifact_to_the_same_bytes_and_metrics(damaged, reference):
    path, original = damaged
    before = _metrics(reference)
    result = run_cli(*_args("run", reference))
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == original
    assert _metrics(reference) == before


def test_a_damaged_llm_cache_is_exit_2_naming_it_even_in_a_dry_run(tmp_path, monkeypatch):
    monkeypatch.setenv("SRACL_TEST_LLM_KEY", "sk-test")
    cache = tmp_path / "llm_cache.sqlite"
    cache.write_bytes(b"not a database, a truncated copy " * 4)
    llm = ["--set", "llm.provider=litellm", "--set", "llm.model=openai/test-model",
           "--set", "llm.api_key_env=SRACL_TEST_LLM_KEY", "--set", f'llm.cache="{cache}"']
    result = run_cli("embed", QUICKSTART, "--dry-run", "--set", f'output.dir="{tmp_path / "run"}"', *llm)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith(f"{cache}: the LLM response cache is damaged") and "sracl embed" in message
    assert len(message.splitlines()) == 1


def test_a_hub_model_id_offline_is_one_line(tmp_path):  # conftest sets HF_HUB_OFFLINE=1
    result = run_cli("embed", QUICKSTART, "--set", f'output.dir="{tmp_path / "run"}"', "--set", "data.min_core=4",
                     "--set", 'embedding.model="sentence-transformers/not-downloaded-here"')
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "sentence-transformers/not-downloaded-here" in message and "HF_HUB_OFFLINE" in message
