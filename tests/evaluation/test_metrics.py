import math

import numpy as np
import pytest

from sracl_cli.evaluation.metrics import metrics_from_ranks


def test_metrics_match_hand_computed_values():
    # Targets at 0-based ranks 0, 2, 9 and one missed (>= max k).
    got = metrics_from_ranks(np.array([0, 2, 9, 20]), [5, 10, 20])
    assert got["hr@5"] == pytest.approx(2 / 4)
    assert got["ndcg@5"] == pytest.approx((1 + 1 / math.log2(4)) / 4)
    assert got["mrr@5"] == pytest.approx((1 + 1 / 3) / 4)
    assert got["hr@10"] == pytest.approx(3 / 4)
    assert got["ndcg@10"] == pytest.approx((1 + 0.5 + 1 / math.log2(11)) / 4)
    assert got["mrr@10"] == pytest.approx((1 + 1 / 3 + 1 / 10) / 4)
    assert got["hr@20"] == got["hr@10"]  # rank 20 is the 21st place: a miss at @20


def test_all_hits_at_top_and_all_misses():
    assert metrics_from_ranks(np.zeros(5), [1])["ndcg@1"] == 1.0
    assert metrics_from_ranks(np.full(5, 10), [10]) == {"hr@10": 0.0, "ndcg@10": 0.0, "mrr@10": 0.0}
