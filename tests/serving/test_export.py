"""`sracl export`: the exported graph, loaded in its own runtime (onnxruntime, torch.jit) without sracl's code,
scores every item as sracl does to 1e-5, for every built-in backbone; items.json maps indices to ids and titles."""

from __future__ import annotations

import json

import numpy as np
import onnxruntime
import pytest
import torch

from helpers import run_cli
from sracl_cli.data.split import leave_one_out
from sracl_cli.evaluation.ranking import all_item_scores
from sracl_cli.serving import load_run

pytestmark = pytest.mark.slow


def _sracl_scores(run, histories: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return all_item_scores(run.model, torch.from_numpy(histories), run.item_table).numpy()


def _test_histories(run) -> np.ndarray:
    """Every test user's input window (short, long and left-padded rows), as eval ranks them."""
    return leave_one_out(run.data, run.max_len).test.inputs


def _onnx_scores(folder, histories: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["history"]
    assert [o.name for o in session.get_outputs()] == ["scores", "sequence_embedding"]
    return session.run(["scores"], {"history": histories})[0]


def _assert_same_scores(exported: np.ndarray, expected: np.ndarray) -> None:
    assert exported.shape == expected.shape
    assert np.isneginf(exported[:, 0]).all() and np.isfinite(exported[:, 1:]).all()
    np.testing.assert_allclose(exported[:, 1:], expected[:, 1:], rtol=0, atol=1e-5)


def test_onnx_export_scores_as_sracl_and_maps_ids(quickstart_run, tmp_path):
    out = tmp_path / "export"
    result = run_cli("export", quickstart_run, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "largest score difference from sracl" in result.stdout and "model.onnx, items.json" in result.stdout
    run = load_run(quickstart_run)
    histories = _test_histories(run)
    _assert_same_scores(_onnx_scores(out, histories), _sracl_scores(run, histories))
    mapping = json.loads((out / "items.json").read_text(encoding="utf-8"))
    assert mapping["model"]["max_len"] == run.max_len == histories.shape[1]
    assert mapping["model"]["n_items"] == run.data.n_items and mapping["model"]["max_score_difference"] <= 1e-5
    assert mapping["ids"] == [None, *run.data.item_ids[1:]] and len(mapping["titles"]) == run.data.n_items + 1
    assert mapping["titles"][638] == run.titles[638] != ""
    top = _onnx_scores(out, histories[:1])[0].argsort()[::-1][:5]  # what a server does with the two files
    assert [mapping["ids"][i] for i in top] == [row["item"] for row in run.recommend(
        history=[run.data.item_ids[i] for i in histories[0] if i], k=5, exclude_seen=False)]


def test_torchscript_export_scores_as_sracl(quickstart_run, tmp_path):
    out = tmp_path / "ts"
    result = run_cli("export", quickstart_run, "--out", out, "--format", "torchscript")
    assert result.exit_code == 0, result.stderr
    run = load_run(quickstart_run)
    histories = _test_histories(run)
    module = torch.jit.load(str(out / "model.pt"))
    with torch.no_grad():
        exported = module(torch.from_numpy(histories))[0].numpy()
    _assert_same_scores(exported, _sracl_scores(run, histories))


@pytest.mark.parametrize("backbone", ["gru4rec", "bert4rec"])
def test_every_backbone_exports_to_onnx(small_runs, backbone, tmp_path):
    """GRU4Rec's encode packs sequences; the export runs its all-positions pass, which must give the same."""
    folder = small_runs(backbone)
    result = run_cli("export", folder, "--out", tmp_path / "export")
    assert result.exit_code == 0, result.stderr
    run = load_run(folder)
    histories = _test_histories(run)
    _assert_same_scores(_onnx_scores(tmp_path / "export", histories), _sracl_scores(run, histories))


def test_an_unknown_format_is_exit_2(quickstart_run, tmp_path):
    result = run_cli("export", quickstart_run, "--out", tmp_path / "x", "--format", "tflite")
    assert result.exit_code == 2 and "--format: expected one of onnx, torchscript, got 'tflite'" in result.stderr
    assert not (tmp_path / "x").exists()
