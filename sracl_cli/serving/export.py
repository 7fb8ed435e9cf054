"""`sracl export RUN --out DIR`: the trained sequence encoder with its item table as one graph that a serving
stack loads without sracl or torch, plus `items.json`, the id mapping.

The graph: `history` int64 [batch, max_len] (item indices, oldest first, left-padded with 0) -> `scores`
float32 [batch, n_items + 1] (column i = item index i; column 0, padding, is -inf) and `sequence_embedding`
[batch, d] (for a vector search over the item table). `items.json` maps index <-> the dataset's item id and
title. ONNX is the default format: onnxruntime (C++, C#, Java, JS, Python) and servers such as Triton load it
without torch; TorchScript, the other choice, needs libtorch and is deprecated in torch 2.x. After writing,
the export is loaded in its own runtime and its scores are compared with sracl's (printed, and kept in
items.json).
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import torch
from torch import Tensor, nn

from sracl_cli.artifacts import write_atomic, write_json
from sracl_cli.data.split import left_padded_windows
from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.evaluation.ranking import all_item_scores
from sracl_cli.serving.run_loader import Run

if TYPE_CHECKING:
    from sracl_cli.models.protocol import Backbone

FILES = {"onnx": "model.onnx", "torchscript": "model.pt"}
MAPPING = "items.json"
EXPORT_EXTRA = "pip install 'sracl[export]'"
CHECK_ROWS = 256  # histories whose scores are compared after the export


class ScoringGraph(nn.Module):
    """history -> (scores over every item, sequence embedding), as `sracl recommend` computes them."""

    def __init__(self, backbone: nn.Module):
        super().__init__()
        self.backbone = backbone
        states = getattr(backbone, "sequence_states", None)
        # A causal backbone's all-positions pass ends in its encoding, and it has no packed sequences
        # (GRU4Rec's `encode` packs them, which the exporters cannot trace).
        self._states = states if callable(states) else None

    def encode(self, history: Tensor) -> Tensor:
        if self._states is not None:
            return self._states(history)[:, -1]
        return cast("Backbone", self.backbone).encode(history)

    def forward(self, history: Tensor) -> tuple[Tensor, Tensor]:
        embedding = self.encode(history)
        scores = embedding @ cast("Backbone", self.backbone).item_embeddings().T
        scores[:, 0] = float("-inf")
        return scores, embedding


def export_run(run: Run, fmt: str, out: Path) -> tuple[list[Path], float]:
    """Write the graph and items.json under `out`; returns the files and the largest score difference."""
    check_format(fmt)
    graph = ScoringGraph(run.model).eval()
    examples = check_histories(run)
    model_file = out / FILES[fmt]
    write_atomic(model_file, lambda tmp: (_onnx if fmt == "onnx" else _torchscript)(graph, examples, tmp))
    exported = (onnx_scores if fmt == "onnx" else torchscript_scores)(model_file, examples)
    with torch.no_grad():
        expected = all_item_scores(run.model, torch.from_numpy(examples).to(run.device), run.item_table).cpu().numpy()
    difference = score_difference(exported, expected)
    mapping = write_json(out / MAPPING, _mapping(run, fmt, model_file.name, difference))
    return [model_file, mapping], difference


def check_format(fmt: str) -> None:
    """Before the run is loaded: a known format, and its packages installed."""
    if fmt not in FILES:
        raise UsageError(f"--format: expected one of {', '.join(FILES)}, got '{fmt}'")
    if fmt == "onnx":
        _require("onnx", "onnxscript", "onnxruntime")


def check_histories(run: Run) -> np.ndarray:
    """The first users' most recent `max_len` items, left-padded: real inputs for tracing and the check."""
    rows = min(CHECK_ROWS, run.data.n_users)
    offsets = run.data.offsets
    return left_padded_windows(run.data.items, offsets[:rows], offsets[1 : rows + 1], run.max_len)


def onnx_scores(path: Path, histories: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["scores"], {"history": histories})[0]


def torchscript_scores(path: Path, histories: np.ndarray) -> np.ndarray:
    module = torch.jit.load(str(path))
    with torch.no_grad():
        return module(torch.from_numpy(histories))[0].numpy()


def score_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| over the finite scores; infinite where the padding column or the shapes disagree."""
    if a.shape != b.shape or not np.array_equal(np.isinf(a), np.isinf(b)):
        return float("inf")
    finite = np.isfinite(b)
    return float(np.abs(a[finite] - b[finite]).max(initial=0.0))


def _onnx(graph: ScoringGraph, examples: np.ndarray, tmp: Path) -> None:
    history = torch.from_numpy(examples[: max(2, min(8, len(examples)))])
    batch = torch.export.Dim("batch", min=1)
    with _quiet():
        try:
            torch.onnx.export(graph, (history,), str(tmp), input_names=["history"],
                              output_names=["scores", "sequence_embedding"], dynamic_shapes=({0: batch},),
                              dynamo=True, external_data=False)
        except Exception as error:  # the exporter's errors are many kinds; name the backbone
            raise RunFailure(f"torch.onnx.export of this backbone failed: {type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''}") from error


def _torchscript(graph: ScoringGraph, examples: np.ndarray, tmp: Path) -> None:
    with _quiet():
        traced = torch.jit.trace(graph, torch.from_numpy(examples[: max(2, min(8, len(examples)))]))
        torch.jit.save(traced, str(tmp))


@contextlib.contextmanager
def _quiet():
    """The exporters print their steps, log what they skip and warn of deprecations; sracl prints its own summary."""
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        exporter_log.setLevel(level)


def _require(*modules: str) -> None:
    import importlib.util

    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"--format onnx needs {', '.join(missing)} ({EXPORT_EXTRA})")


def _mapping(run: Run, fmt: str, model_file: str, difference: float) -> dict:
    return {
        "model": {"file": model_file, "format": fmt, "input": "history", "outputs": ["scores", "sequence_embedding"],
                  "max_len": run.max_len, "padding_index": 0, "n_items": run.data.n_items,
                  "backbone": run.recipe.config.model.backbone, "recipe": run.recipe.name, "seed": run.seed,
                  "max_score_difference": difference, "checked_histories": min(CHECK_ROWS, run.data.n_users)},
        "ids": [None, *run.data.item_ids[1:]],  # index -> the dataset's item id
        "titles": [None, *run.titles[1:]],
    }
