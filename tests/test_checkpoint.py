"""Checkpoints are written atomically and loaded without pickle."""

import pickle

import pytest
import torch

from sracl_cli.checkpoint import load_state, save_state
from sracl_cli.errors import UsageError


def test_round_trip(tmp_path):
    state = {"w": torch.arange(6.0).reshape(2, 3)}
    save_state(tmp_path / "model.pt", state)
    assert torch.equal(load_state(tmp_path / "model.pt")["w"], state["w"])


def test_a_crash_while_writing_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    save_state(path, {"w": torch.ones(3)})

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a checkp")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_state(path, {"w": torch.zeros(3)})
    monkeypatch.undo()
    assert torch.equal(load_state(path)["w"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


class Payload:
    def __reduce__(self):
        return (print, ("code ran",))


def test_arbitrary_pickles_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": Payload()}))
    with pytest.raises(UsageError, match="not a readable checkpoint: Weights only load failed"):
        load_state(path)


def test_missing_checkpoint_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="checkpoint not found"):
        load_state(tmp_path / "none.pt")
