"""The repository scripts behind docs/RESULTS.md: run records copied without weights, neighbour-table overlap."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_record_runs_copies_records_and_leaves_weights_behind(tmp_path):
    run = tmp_path / "runs" / "scientific" / "none"
    for name in ("summary.json", "recipe.resolved.toml", "seeds/seed-1/eval/metrics.json",
                 "seeds/seed-1/train/history.json", "seeds/seed-1/train/model.pt", "embed/users.npy",
                 "page/length_groups.json", "page/index.html"):
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        (run / name).write_text(name)
    copied = _script("record_runs").record_runs(tmp_path / "runs", tmp_path / "docs")
    names = sorted(str(p.relative_to(tmp_path / "docs")) for p in copied)
    assert names == ["scientific/none/page/length_groups.json", "scientific/none/recipe.resolved.toml",
                     "scientific/none/seeds/seed-1/eval/metrics.json",
                     "scientific/none/seeds/seed-1/train/history.json", "scientific/none/summary.json"]
    assert (tmp_path / "docs/scientific/none/summary.json").read_text() == "summary.json"


def test_neighbor_overlap_counts_shared_neighbours_per_row(tmp_path):
    overlap = _script("neighbor_overlap")
    for name, items, users in (("a", [[0, 0], [2, 3], [1, 3], [1, 2]], [[1, 2], [0, 2], [0, 1]]),
                               ("b", [[0, 0], [2, 3], [2, 3], [3, 1]], [[2, 1], [2, 0], [2, 0]])):
        (tmp_path / name / "index").mkdir(parents=True)
        np.save(tmp_path / name / "index" / "item_neighbors.npy", np.array(items, dtype=np.int32))
        np.save(tmp_path / name / "index" / "user_neighbors.npy", np.array(users, dtype=np.int32))
    result = overlap.compare(tmp_path / "a", tmp_path / "b")
    assert result["item_neighbors"] == {"rows": 3, "k": 2, "mean_overlap": (1 + 0.5 + 0.5) / 3}
    assert result["user_neighbors"]["mean_overlap"] == (1 + 1 + 0.5) / 3  # unit 0 is a real neighbour
    assert "| user_neighbors | 3 | 2 | 0.833 |" in overlap.markdown(result)
    json.dumps(result)
