"""A third-party vector store with its own [index] keys, installed as a (fake) distribution next to sracl's.

The store's keys are validated by its own config model (no sracl edit needed), show up in the resolved
recipe, are refused with the key named when wrong, and reach the store when `sracl index` opens it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import sys
import textwrap

import numpy as np
import pytest

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from quickstart_units import quickstart, write_embed_artifacts
from sracl_cli import kinds, registry
from sracl_cli.retrieval.stores.protocol import StoreSpec

TOY_STORE = '''
"""A toy exact store in numpy: cosine top-k in blocks of `block_rows` queries; `nlist` is only recorded."""

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.retrieval.stores.protocol import MISSING, StoreSpec

OPENED = []  # (config, namespace) of every open, for the test to inspect


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nlist: int = Field(8, gt=0, description="clusters (a toy: recorded, not used)")
    block_rows: int = Field(512, gt=0)


class ToyStore:
    def __init__(self, config):
        self._config = config
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, 0), dtype=np.float32)

    def upsert(self, ids, vectors, metadata=None):
        vectors = np.asarray(vectors, dtype=np.float32)
        self._ids = np.asarray(ids, dtype=np.int64)
        self._vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count(self):
        return len(self._ids)

    def query(self, vectors, k):
        n = len(vectors)
        ids = np.full((n, k), MISSING, dtype=np.int64)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        found = min(k, self.count())
        queries = np.asarray(vectors, dtype=np.float32)
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        for start in range(0, n, self._config.block_rows):
            block = queries[start : start + self._config.block_rows] @ self._vectors.T
            top = np.argpartition(-block, found - 1, axis=1)[:, :found]
            top_scores = np.take_along_axis(block, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            ids[start : start + len(block), :found] = self._ids[np.take_along_axis(top, order, axis=1)]
            scores[start : start + len(block), :found] = np.take_along_axis(top_scores, order, axis=1)
        return ids, scores


def open_store(config, folder, namespace, fingerprint):
    OPENED.append((config, namespace))
    return ToyStore(config)


SPEC = StoreSpec(config_model=ToyConfig, open=open_store, description="a toy numpy store")
'''


@pytest.fixture
def toy_store(tmp_path, monkeypatch):
    """sracl's own distributions plus `toy-store-dist` declaring the vector store `toy`."""
    (tmp_path / "plugin" / "toy_store.py").parent.mkdir()
    (tmp_path / "plugin" / "toy_store.py").write_text(TOY_STORE)
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    info = tmp_path / "dist" / "toy_store_dist-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-store-dist\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("[sracl.vector_stores]\ntoy = toy_store:SPEC\n"))
    fake, original = metadata.PathDistribution(info), metadata.distributions
    monkeypatch.setattr(metadata, "distributions", lambda: iter([*original(), fake]))
    yield
    sys.modules.pop("toy_store", None)


def toy_recipe(folder, index_keys: str) -> str:
    body = f'name = "toy"\n{QUICKSTART_DATA}\n[index]\nstore = "toy"\n{index_keys}\n[output]\ndir = "{folder}"\n'
    return str(write_recipe(folder, body))


def test_the_toy_store_is_found_beside_the_builtins(toy_store):
    found = registry.discover(kinds.VECTOR_STORE)
    assert {"chroma", "exact", "toy"} <= set(found)
    assert found["toy"].distribution == "toy-store-dist" and found["chroma"].distribution == "sracl"
    spec = registry.load(kinds.VECTOR_STORE, "toy")
    assert isinstance(spec, StoreSpec) and spec.config_model().nlist == 8


def test_validate_accepts_the_store_keys_and_resolves_them(toy_store, tmp_path):
    result = run_cli("validate", toy_recipe(tmp_path, "nlist = 3\nk = 5"))
    assert result.exit_code == 0, result.stderr
    index = result.stdout.split("[index]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert "nlist = 3" in index and "block_rows = 512" in index  # set, and defaulted by the store's model
    assert 'store = "toy"' in index and "k = 5" in index  # sracl's core keys stay
    assert not any(line.startswith(("hnsw_", "url")) for line in index), "Chroma's keys are Chroma's alone"


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("nprobe = 2", "index.nprobe: Extra inputs are not permitted"),
        ("nlist = 0", "index.nlist: Input should be greater than 0"),
        ("hnsw_m = 16", "index.hnsw_m: Extra inputs are not permitted"),
    ],
)
def test_a_wrong_store_key_is_exit_2_naming_the_key(toy_store, tmp_path, keys, expected):
    result = run_cli("validate", toy_recipe(tmp_path, keys))
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if expected in line] == [f"recipe.toml: {expected}"]


def test_index_runs_through_the_toy_store_with_its_keys(toy_store, tmp_path):
    write_embed_artifacts(tmp_path)
    result = run_cli("index", toy_recipe(tmp_path, "nlist = 3\nblock_rows = 1000\nrecall_sample = 200"))
    assert result.exit_code == 0, result.stderr
    import toy_store as module

    assert [(config.nlist, config.block_rows, namespace) for config, namespace in module.OPENED] == [
        (3, 1000, "toy-items"),
        (3, 1000, "toy-units"),
    ]
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["store"] == "toy" and manifest["recipe"]["index"]["nlist"] == 3
    assert min(manifest["recall_at_k"].values()) >= 0.98  # an exact store, checked like any approximate one
    items = np.load(tmp_path / "index" / "item_neighbors.npy")
    users = np.load(tmp_path / "index" / "user_neighbors.npy")
    _, units, item_vectors, _ = quickstart()
    assert items.shape == (len(item_vectors), 10) and users.shape == (len(units), 10)
    assert not (units.user[users] == units.user[:, None]).any()  # sracl's neighbour rules still apply
