"""recall@k against exact search: misses count, ties with the k-th exact neighbour do not."""

from __future__ import annotations

import numpy as np

from sracl_cli.retrieval.recall import recall_at_k, sample_queries

VECTORS = np.array([[0, 0], [1, 0], [0.8, 0.6], [0.8, 0.6], [0, 1], [-1, 0]], dtype=np.float32)
QUERY = np.array([[1, 0]], dtype=np.float32)


def test_identical_rows_score_one():
    assert recall_at_k(np.array([[1, 2]]), np.array([[1, 2]]), QUERY, VECTORS) == 1.0


def test_a_tie_with_the_kth_exact_neighbour_is_a_hit():
    # ids 2 and 3 have the same vector: either may be the second neighbour
    assert recall_at_k(np.array([[1, 3]]), np.array([[1, 2]]), QUERY, VECTORS) == 1.0


def test_a_worse_neighbour_is_a_miss():
    assert recall_at_k(np.array([[1, 4]]), np.array([[1, 2]]), QUERY, VECTORS) == 0.5
    assert recall_at_k(np.array([[5, 4]]), np.array([[1, 2]]), QUERY, VECTORS) == 0.0


def test_sample_is_sorted_reproducible_and_capped():
    sample = sample_queries(10_000, 100)
    assert len(set(sample)) == 100 and (np.diff(sample) > 0).all()
    np.testing.assert_array_equal(sample, sample_queries(10_000, 100))
    np.testing.assert_array_equal(sample_queries(5, 100), np.arange(5))
