"""Streamed full ranking against a tiny model whose scores are known in advance."""

import numpy as np
import torch
from torch import nn

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.split import leave_one_out
from sracl_cli.evaluation.ranking import target_ranks


class FixedScores(nn.Module):
    """Every user gets the same item scores: item i scores `scores[i]`."""

    def __init__(self, scores):
        super().__init__()
        self.table = nn.Parameter(torch.tensor(scores, dtype=torch.float32)[:, None])

    def encode(self, item_seq):
        return torch.ones(item_seq.size(0), 1)

    def item_embeddings(self):
        return self.table


def _data():
    # user 0: 1 2 3 4 -> test target 4; user 1: 5 4 3 -> test target 3
    return SequenceData("t", np.array([0, 4, 7]), np.array([1, 2, 3, 4, 5, 4, 3]), 6, ["a", "b"], ["[PAD]", *"123456"])


def _ranks(scores, max_k, batch_size, mask_history):
    data = _data()
    test = leave_one_out(data, max_len=3).test
    model = FixedScores(scores)
    return target_ranks(model, test, data, max_k, batch_size, mask_history, torch.device("cpu")).tolist()


def test_ranks_follow_scores_and_padding_never_ranks():
    # scores: pad highest (must be ignored), then 6 > 5 > 4 > 3 > 2 > 1
    # item 4 is 3rd (after 6, 5); item 3 is 4th
    assert _ranks([100, 1, 2, 3, 4, 5, 6], max_k=5, batch_size=1, mask_history=False) == [2, 3]


def test_mask_history_hides_seen_items_but_not_the_target():
    # user 0 saw 1 2 3 (none above 4): rank stays 2. user 1 saw 5 and 4: only 6 stays above 3.
    assert _ranks([100, 1, 2, 3, 4, 5, 6], max_k=5, batch_size=8, mask_history=True) == [2, 1]


def test_target_outside_top_k_gets_max_k():
    assert _ranks([0, 1, 2, 3, 4, 5, 6], max_k=2, batch_size=2, mask_history=False) == [2, 2]
