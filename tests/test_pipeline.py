"""`sracl run` end to end on a 4-core of the bundled sample (real titles, packaged MiniLM, Chroma), stage
skipping, and one epoch of every backbone × objective on its neighbour tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
SMALL = ["--set", "data.min_core=4", "--set", "train.epochs=1", "--set", "train.threads=1"]


def _run(command: str, out: Path, *extra: str):
    result = run_cli(command, QUICKSTART, "--set", f'output.dir="{out}"', *SMALL, *extra)
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def semantic_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pipeline") / "quickstart"
    _run("run", out)
    return out


@pytest.mark.slow
def test_run_makes_every_stage_and_the_tables_follow_the_rules(semantic_run):
    for name in ("embed/items.npy", "embed/users.npy", "embed/units.npz", "index/item_neighbors.npy",
                 "index/user_neighbors.npy", "train/model.pt", "eval/metrics.json"):
        assert (semantic_run / name).is_file(), name
    items, users = np.load(semantic_run / "embed/items.npy"), np.load(semantic_run / "embed/users.npy")
    assert items.shape == (424, 384) and users.shape == (296, 384)
    assert np.allclose(np.linalg.norm(items[1:], axis=1), 1, atol=1e-5) and not items[0].any()
    item_table = np.load(semantic_run / "index/item_neighbors.npy")
    assert item_table.shape == (424, 10) and not item_table[0].any()
    assert (item_table[1:] > 0).all() and not (item_table[1:] == np.arange(1, 424)[:, None]).any()
    user_table = np.load(semantic_run / "index/user_neighbors.npy")
    assert user_table.shape == (296, 10) and not (user_table == np.arange(296)[:, None]).any()


@pytest.mark.slow
def test_a_second_run_skips_every_stage_and_a_train_change_skips_only_embed_and_index(semantic_run):
    again = _run("run", semantic_run)
    for stage in ("embed", "index", "train", "eval"):
        assert f"{stage}: up to date, skipped" in again.stdout
    changed = _run("run", semantic_run, "--set", "optimizer.lr=0.002")
    assert "embed: up to date" in changed.stdout and "index: up to date" in changed.stdout
    assert "train: up to date" not in changed.stdout
    resolved = (semantic_run / "recipe.resolved.toml").read_text()
    assert "lr = 0.002" in resolved


@pytest.mark.slow
def test_recipes_sharing_a_semantic_dir_embed_and_index_once(semantic_run, tmp_path):
    other = tmp_path / "ablation"
    result = _run("run", other, "--set", f'output.semantic_dir="{semantic_run}"', "--set", "objective.alpha=0")
    assert "embed: up to date" in result.stdout and "index: up to date" in result.stdout
    assert (other / "eval" / "metrics.json").is_file()
    assert not (other / "embed").exists() and not (other / "index").exists()


def _train_on_shared_semantics(semantic_run: Path, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "run"
    _run("train", out, "--set", f'output.semantic_dir="{semantic_run}"', *extra)
    return json.loads((out / "train" / "history.json").read_text())[0]


@pytest.mark.slow
@pytest.mark.parametrize("backbone", ["sasrec", "gru4rec", "bert4rec"])
@pytest.mark.parametrize("objective", ["none", "sracl", "cl4srec", "duorec"])
def test_every_backbone_trains_with_every_objective(semantic_run, tmp_path, backbone, objective):
    live = ["--set", "objective.neighbor_encoding=live"] if objective == "sracl" else []
    epoch = _train_on_shared_semantics(semantic_run, tmp_path, "--set", f"model.backbone={backbone}",
                                       "--set", f"objective.name={objective}", *live)
    expected = {"none": {"rec"}, "sracl": {"rec", "cs", "is"}, "cl4srec": {"rec", "cl"}, "duorec": {"rec", "cl"}}
    assert set(epoch["losses"]) == expected[objective]
    assert all(np.isfinite(v) and v > 0 for v in epoch["losses"].values())


@pytest.mark.slow
@pytest.mark.parametrize("switches, expected", [
    (["objective.neighbor_encoding=bank"], {"rec", "cs", "is"}),
    (["objective.alpha=0"], {"rec", "is"}),
    (["objective.beta=0"], {"rec", "cs"}),
    (["objective.synthesis=uniform", 'objective.infonce="one-way"'], {"rec", "cs", "is"}),
])
def test_sracl_modes_and_ablations(semantic_run, tmp_path, switches, expected):
    extra = [arg for switch in switches for arg in ("--set", switch)]
    epoch = _train_on_shared_semantics(semantic_run, tmp_path, "--set", "objective.name=sracl", *extra)
    assert set(epoch["losses"]) == expected


@pytest.mark.slow
@pytest.mark.parametrize("backbone", ["sasrec", "gru4rec"])
@pytest.mark.parametrize("objective, switches", [
    ("none", []), ("cl4srec", []), ("duorec", []),
    ("sracl", ["objective.neighbor_encoding=bank"]),
    ("sracl", ["objective.neighbor_encoding=live", "objective.anchor=rec_pass"]),
    ("sracl", ["objective.neighbor_encoding=bank", "objective.user_anchors=final", "train.batch_by=sequences"]),
])
def test_every_objective_trains_on_sequence_samples(semantic_run, tmp_path, backbone, objective, switches):
    extra = [arg for switch in switches for arg in ("--set", switch)]
    epoch = _train_on_shared_semantics(semantic_run, tmp_path, "--set", f"model.backbone={backbone}",
                                       "--set", f"objective.name={objective}", "--set", "train.samples=sequence",
                                       *extra)
    expected = {"none": {"rec"}, "sracl": {"rec", "cs", "is"}, "cl4srec": {"rec", "cl"}, "duorec": {"rec", "cl"}}
    assert set(epoch["losses"]) == expected[objective]
    assert all(np.isfinite(v) and v > 0 for v in epoch["losses"].values())
    assert epoch["targets_per_s"] > epoch["samples_per_s"]  # a window trains several targets


def test_sracl_without_index_artifacts_names_the_missing_file_and_command(tmp_path):
    result = run_cli("train", QUICKSTART, "--set", f'output.dir="{tmp_path / "run"}"', *SMALL)
    assert result.exit_code == 2
    assert "embed/units.npz: missing" in result.stderr and "sracl embed" in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_a_change_of_the_early_stop_metric_retrains(semantic_run):
    # training picks its best epoch by eval.early_stop_metric: the train manifest records [eval]
    changed = _run("run", semantic_run, "--set", "eval.early_stop_metric=hr@10")
    assert "embed: up to date" in changed.stdout and "index: up to date" in changed.stdout
    assert "train: up to date" not in changed.stdout
    assert 'early_stop_metric = "hr@10"' in (semantic_run / "recipe.resolved.toml").read_text()
