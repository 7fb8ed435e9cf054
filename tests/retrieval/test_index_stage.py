"""`run_index` end to end on the quickstart sample: embed artifacts in, neighbour tables and manifest out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rich.console import Console

from quickstart_units import REPO, quickstart, write_embed_artifacts
from sracl_cli.data.units_io import load_units, save_units
from sracl_cli.errors import UsageError
from sracl_cli.recipe import load_recipe
from sracl_cli.retrieval.stage import run_index


def recipe_for(run_dir, *overrides):
    return load_recipe(REPO / "recipes" / "quickstart.toml", [f'output.dir="{run_dir}"', *overrides])


def run(run_dir, *overrides):
    console = Console(record=True, width=120)
    return run_index(recipe_for(run_dir, *overrides), console), console.export_text()


def test_units_round_trip(tmp_path):
    _, units, _, _ = quickstart()
    path = save_units(tmp_path / "units.npz", units)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["units.npz"]
    loaded = load_units(path)
    assert loaded.mode == "prefix"
    for name in ("user", "start", "end", "in_train_pool"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(units, name))


def test_exact_store_writes_tables_and_manifest(tmp_path):
    write_embed_artifacts(tmp_path)
    facts, printed = run(tmp_path, 'index.store="exact"')
    index = tmp_path / "index"
    items, users = np.load(index / "item_neighbors.npy"), np.load(index / "user_neighbors.npy")
    _, units, item_vectors, _ = quickstart()
    assert items.shape == (len(item_vectors), 10) and users.shape == (len(units), 10)
    assert items.dtype == users.dtype == np.int32
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["stage"] == "index" and manifest["recipe"]["index"]["store"] == "exact"
    assert set(manifest["inputs"]) == {str(tmp_path / "embed" / n) for n in ("items.npy", "users.npy", "units.npz")}
    assert set(manifest["outputs"]) == {"item_neighbors.npy", "user_neighbors.npy"}
    assert manifest["recall_at_k"] == {"items": None, "units": None}
    assert manifest["counts"] == {"items": 7216, "units": 15115, "unit_pool": 13115, "k": 10}
    assert manifest["rules"] == {"pool": "train", "exclude_same_user": True, "compat": "default"}
    assert {"items: search", "units: search"} <= set(manifest["timings_s"])
    assert facts["recall_at_k"] == manifest["recall_at_k"]
    assert "units: search" in printed
    assert not (index / "chroma").exists()


@pytest.mark.slow
def test_chroma_store_agrees_with_exact_and_reports_recall(tmp_path):
    write_embed_artifacts(tmp_path)
    facts, printed = run(tmp_path, 'index.store="chroma"', "index.recall_sample=300")
    assert facts["recall_at_k"]["items"] >= 0.98 and facts["recall_at_k"]["units"] >= 0.98
    assert "recall@10 vs exact" in printed and "warning" not in printed
    assert (tmp_path / "index" / "chroma").is_dir()
    chroma_users = np.load(tmp_path / "index" / "user_neighbors.npy")
    _, units, _, _ = quickstart()
    assert not (units.user[chroma_users] == units.user[:, None]).any()
    assert units.in_train_pool[chroma_users].all()


@pytest.mark.slow
def test_low_recall_warns(tmp_path):
    write_embed_artifacts(tmp_path)
    facts, printed = run(tmp_path, 'index.store="chroma"', "index.hnsw_m=2", "index.hnsw_construction_ef=2",
                         "index.hnsw_search_ef=1", "index.recall_sample=200")
    assert min(facts["recall_at_k"].values()) < 0.98
    assert "warning:" in printed and "raise index.hnsw_search_ef" in printed


def test_missing_embeddings_name_the_file_and_the_command(tmp_path):
    expected = r"embed/items.npy: missing; sracl index needs it, run `sracl embed .*quickstart.toml` first"
    with pytest.raises(UsageError, match=expected):
        run(tmp_path)


def test_mismatched_embeddings_are_a_usage_error(tmp_path):
    write_embed_artifacts(tmp_path)
    np.save(tmp_path / "embed" / "users.npy", np.zeros((5, 32), np.float32))
    with pytest.raises(UsageError, match="5 unit embeddings for 15115 units"):
        run(tmp_path, 'index.store="exact"')


@pytest.mark.slow
def test_rerun_reuses_the_filled_chroma_collections(tmp_path, monkeypatch):
    from sracl_cli.retrieval.stores.chroma import ChromaStore

    write_embed_artifacts(tmp_path)
    run(tmp_path, 'index.store="chroma"', "index.recall_sample=0")
    first = np.load(tmp_path / "index" / "user_neighbors.npy")
    monkeypatch.setattr(ChromaStore, "upsert", lambda *a, **kw: pytest.fail("filled collection was rebuilt"))
    facts, _ = run(tmp_path, 'index.store="chroma"', "index.recall_sample=0")
    np.testing.assert_array_equal(np.load(tmp_path / "index" / "user_neighbors.npy"), first)
    assert facts["recall_at_k"] == {"items": None, "units": None}
