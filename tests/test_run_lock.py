"""One writer per run directory: `.sracl.lock` names the run holding it; a second writer exits 2 naming it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli
from sracl_cli.errors import UsageError
from sracl_cli.run_lock import LOCK_FILE, holding

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
FAST = ["--set", "objective.name=none", "--set", "train.epochs=1", "--set", "train.threads=1",
        "--set", "data.min_core=4"]


@pytest.fixture
def live_pid():
    """The pid of a process that stays alive for the test."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield sleeper.pid
    sleeper.kill()
    sleeper.wait()


def _hold(folder: Path, pid: int, command: str = "sracl train other.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_FILE
    lock.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "command": command, "started": "then"}))
    return lock


def test_a_second_train_into_a_held_run_dir_exits_2_naming_the_holder(tmp_path, live_pid):
    out = tmp_path / "run"
    _hold(out, live_pid)
    result = run_cli("train", QUICKSTART, "--set", f'output.dir="{out}"', *FAST)
    assert result.exit_code == 2
    assert f"pid {live_pid}" in result.stderr and "sracl train other.toml" in result.stderr
    assert str(out) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (out / "train").exists()


@pytest.mark.parametrize("command", ["embed", "index"])
def test_a_shared_semantic_dir_has_one_writer(tmp_path, live_pid, command):
    shared = tmp_path / "semantic"
    _hold(shared, live_pid, "sracl embed another-recipe.toml")
    result = run_cli(command, QUICKSTART, "--set", f'output.dir="{tmp_path / "mine"}"',
                     "--set", f'output.semantic_dir="{shared}"')
    assert result.exit_code == 2
    assert "another-recipe.toml" in result.stderr and f"pid {live_pid}" in result.stderr


def test_a_stale_lock_is_replaced_and_released_at_the_end(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "run"
    _hold(out, dead.pid)
    result = run_cli("train", QUICKSTART, "--set", f'output.dir="{out}"', *FAST)
    assert result.exit_code == 0, result.stderr
    assert (out / "eval" / "metrics.json").is_file()
    assert not (out / LOCK_FILE).exists()


def test_the_lock_records_pid_host_and_command_and_goes_when_done(tmp_path):
    lock = tmp_path / LOCK_FILE
    with holding([tmp_path, tmp_path / "." ], "sracl run r.toml"):  # the same folder twice: locked once
        holder = json.loads(lock.read_text())
        assert (holder["pid"], holder["host"], holder["command"]) == (os.getpid(), socket.gethostname(),
                                                                     "sracl run r.toml")
        with holding([tmp_path], "sracl run r.toml"):  # `sracl run` takes the semantic folder inside its own
            pass
        assert lock.exists()
    assert not lock.exists()


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": 1, "host": "elsewhere", "command": "sracl eval r.toml"}))
    with pytest.raises(UsageError, match="elsewhere"), holding([tmp_path], "sracl eval r.toml"):
        pass


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a read-only /sys (Linux)")
def test_an_unwritable_output_dir_is_one_line_before_any_data_is_read(tmp_path):
    result = run_cli("train", QUICKSTART, "--set", 'output.dir="/sys/kernel/sracl-run"', *FAST)
    assert result.exit_code == 2
    assert result.stderr.startswith("/sys/kernel/sracl-run: cannot write")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "quickstart:" not in result.stdout  # the data summary: nothing was loaded
