"""The exact store: brute-force cosine top-k in blocks that never hold an n x n score matrix."""

from __future__ import annotations

import numpy as np

from sracl_cli import kinds, registry
from sracl_cli.retrieval.stores import exact
from sracl_cli.retrieval.stores.exact import ExactConfig, ExactStore, query_block_rows
from sracl_cli.retrieval.stores.protocol import MISSING, VectorStore


def random_vectors(n, dim=16, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_block_rows_keep_scores_under_the_budget():
    assert query_block_rows(176_139) * 176_139 <= exact.SCORE_BUDGET
    assert query_block_rows(1_000) == exact.MAX_BLOCK_ROWS
    assert query_block_rows(10**12) == 1
    assert query_block_rows(0) == exact.MAX_BLOCK_ROWS


def test_queries_are_scored_in_bounded_blocks(monkeypatch):
    import torch

    shapes = []
    real_topk = torch.topk
    monkeypatch.setattr(exact, "SCORE_BUDGET", 100 * 7)
    def recording_topk(scores, *args, **kwargs):
        shapes.append(tuple(scores.shape))
        return real_topk(scores, *args, **kwargs)

    monkeypatch.setattr(torch, "topk", recording_topk)
    store = ExactStore()
    store.upsert(np.arange(100), random_vectors(100))
    store.query(random_vectors(30, seed=1), 5)
    assert shapes == [(7, 100)] * 4 + [(2, 100)]


def test_matches_numpy_cosine_top_k():
    vectors, queries = random_vectors(500), random_vectors(40, seed=1)
    store = registry.load(kinds.VECTOR_STORE, "exact").open(ExactConfig(), None, "test", "x")
    assert isinstance(store, VectorStore)
    store.upsert(np.arange(1000, 1500), vectors)
    ids, scores = store.query(queries, 10)
    normalized = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ normalized.T
    expected = np.argsort(-cosine, axis=1)[:, :10] + 1000
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(cosine, expected - 1000, axis=1), atol=1e-5)
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and store.count() == 500


def test_upsert_replaces_ids_and_short_results_are_padded():
    store = ExactStore()
    store.upsert(np.array([5, 6]), np.array([[1, 0], [0, 1]], dtype=np.float32))
    store.upsert(np.array([6, 7]), np.array([[1, 1], [-1, 0]], dtype=np.float32))
    assert store.count() == 3
    ids, scores = store.query(np.array([[1, 0]], dtype=np.float32), 5)
    assert list(ids[0]) == [5, 6, 7, MISSING, MISSING]
    np.testing.assert_allclose(scores[0, :3], [1, np.sqrt(0.5), -1], atol=1e-6)
