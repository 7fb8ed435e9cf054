"""InfoNCE against values computed by hand on a 3-sample batch."""

import math

import pytest
import torch

from sracl_cli.objectives.infonce import nt_xent, one_way_infonce

A = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
B = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 1.0]])


def _ce(logits, target):
    return -logits[target] + math.log(sum(math.exp(v) for v in logits))


def test_one_way_matches_hand_computation():
    # anchor i vs positives: dot products A_i · B_j
    rows = [[1, 0, 0], [0, 2, 1], [1, 2, 1]]
    expected = sum(_ce(row, i) for i, row in enumerate(rows)) / 3
    assert one_way_infonce(A, B).item() == pytest.approx(expected, rel=1e-6)


def test_symmetric_matches_hand_computation():
    z = A.tolist() + B.tolist()
    dot = lambda u, v: sum(x * y for x, y in zip(u, v))  # noqa: E731
    total = 0.0
    for i in range(6):
        logits = [dot(z[i], z[j]) for j in range(6) if j != i]
        others = [j for j in range(6) if j != i]
        partner = (i + 3) % 6
        total += _ce(logits, others.index(partner))
    assert nt_xent(A, B).item() == pytest.approx(total / 6, rel=1e-6)


def test_temperature_scales_the_logits():
    scale = math.sqrt(2.0)  # every dot product doubles, as dividing by 0.5 does
    assert nt_xent(A, B, temperature=0.5).item() == pytest.approx(nt_xent(scale * A, scale * B).item(), rel=1e-6)
