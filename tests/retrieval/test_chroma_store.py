"""The embedded Chroma store (PersistentClient in a temporary run directory) against the exact store,
on real MiniLM embeddings of 1,000 quickstart titles."""

from __future__ import annotations

import numpy as np
import pytest

from minilm_vectors import title_vectors
from sracl_cli import kinds, registry
from sracl_cli.retrieval.recall import recall_at_k
from sracl_cli.retrieval.stores.chroma import ChromaConfig, connect
from sracl_cli.retrieval.stores.exact import ExactStore

N_TITLES = 1000


@pytest.fixture(scope="module")
def titles(request):
    return title_vectors(getattr(request.config, "cache", None), N_TITLES)


def open_chroma(folder, fingerprint="f1", namespace="quick-items", **index):
    config = ChromaConfig(**index)
    return registry.load(kinds.VECTOR_STORE, "chroma").open(config, folder, namespace, fingerprint)


@pytest.fixture(scope="module")
def filled(tmp_path_factory, titles):
    folder = tmp_path_factory.mktemp("index")
    store = open_chroma(folder)
    store.upsert(np.arange(1, N_TITLES + 1), titles)
    return folder, store


@pytest.mark.slow
def test_same_top10_as_exact(filled, titles):
    _, store = filled
    exact = ExactStore()
    exact.upsert(np.arange(1, N_TITLES + 1), titles)
    ids, scores = store.query(titles, 10)
    exact_ids, exact_scores = exact.query(titles, 10)
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and ids.shape == (N_TITLES, 10)
    by_id = np.vstack([np.zeros((1, titles.shape[1]), np.float32), titles])
    assert recall_at_k(ids, exact_ids, titles, by_id) >= 0.99
    assert (ids[:, 0] == np.arange(1, N_TITLES + 1)).mean() >= 0.99  # each title finds itself first
    np.testing.assert_allclose(scores[:, :3], exact_scores[:, :3], atol=1e-3)  # cosine similarity, best first


@pytest.mark.slow
def test_same_vectors_reuse_the_collection(filled):
    folder, store = filled
    again = open_chroma(folder, hnsw_search_ef=64)
    assert again.name == store.name and again.count() == N_TITLES
    assert again._collection.configuration_json["hnsw"]["ef_search"] == 64


@pytest.mark.slow
def test_new_vectors_get_a_new_collection_and_outdated_ones_go(tmp_path, titles):
    first = open_chroma(tmp_path, fingerprint="aaa")
    first.upsert(np.arange(1, 11), titles[:10])
    other_namespace = open_chroma(tmp_path, fingerprint="aaa", namespace="quick-units")
    second = open_chroma(tmp_path, fingerprint="bbb")
    assert second.name != first.name and second.count() == 0
    client = connect(ChromaConfig(), tmp_path / "chroma")
    assert sorted(c.name for c in client.list_collections()) == sorted([second.name, other_namespace.name])


def test_collection_keeps_the_recipe_hnsw_settings(tmp_path):
    store = open_chroma(tmp_path, hnsw_m=12, hnsw_construction_ef=50, hnsw_search_ef=70)
    hnsw = store._collection.configuration_json["hnsw"]
    assert (hnsw["space"], hnsw["max_neighbors"], hnsw["ef_construction"], hnsw["ef_search"]) == ("cosine", 12, 50, 70)
    assert store._collection.configuration_json["embedding_function"]["type"] != "known"  # no Chroma model
    assert store.name == "sracl-quick-items-f1-m12-c50"
