"""Same recipe and seed → same numbers and the same bytes, with `train.threads` left unset (the quickstart's)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sracl_cli.devices import set_threads

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
# train.threads deliberately not set; objective none: the loop, not the embed stage, is under test
SETTINGS = ["--set", "objective.name=none", "--set", "train.epochs=1", "--set", "data.min_core=4"]


def _train(out: Path) -> None:
    """In a fresh process, so torch starts from its own default thread count (every core)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    command = [sys.executable, "-m", "sracl_cli", "train", str(QUICKSTART), "--set", f'output.dir="{out}"', *SETTINGS]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, timeout=600)


def test_unset_threads_means_one():
    before = torch.get_num_threads()
    try:
        assert set_threads(None) == 1 and torch.get_num_threads() == 1
        assert set_threads(3) == 3 and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow
def test_two_identical_runs_give_identical_metrics_and_artifact_bytes(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    _train(first)
    _train(second)
    metrics = lambda run: json.loads((run / "eval" / "metrics.json").read_text())["metrics"]  # noqa: E731
    assert metrics(first) == metrics(second)
    for name in ("train/model.pt", "train/checkpoint.pt"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_artifacts_get_the_umask_mode_not_0600(tmp_path):
    from sracl_cli.artifacts import write_json

    previous = os.umask(0o022)
    try:
        path = write_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_saved_states_and_units_do_not_depend_on_the_file_name_or_the_time(tmp_path):
    import numpy as np

    from sracl_cli.checkpoint import save_state
    from sracl_cli.data.units import UserUnits
    from sracl_cli.data.units_io import load_units, save_units

    state = {"weight": torch.arange(6.0).reshape(2, 3)}
    assert save_state(tmp_path / "a.pt", state).read_bytes() == save_state(tmp_path / "b.pt", state).read_bytes()
    units = UserUnits(mode="user", user=np.arange(3), start=np.zeros(3, dtype=np.int64),
                      end=np.ones(3, dtype=np.int64), in_train_pool=np.ones(3, dtype=bool))
    a, b = save_units(tmp_path / "a.npz", units), save_units(tmp_path / "b.npz", units)
    os.utime(b, (0, 0))
    assert a.read_bytes() == save_units(tmp_path / "c.npz", units).read_bytes() == b.read_bytes()
    assert load_units(a).mode == "user" and load_units(a).user.tolist() == [0, 1, 2]
