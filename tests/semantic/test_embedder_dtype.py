"""bfloat16 autocast gives nearly the vectors, and the neighbourhoods, of float32 on real titles."""

import numpy as np
import pytest

from sracl_cli.paths import packaged_root
from sracl_cli.semantic.embedders.sbert import SentenceTransformersConfig, build

pytestmark = pytest.mark.slow


def test_bfloat16_vectors_match_float32():
    lines = (packaged_root() / "quickstart" / "items.tsv").read_text().splitlines()[1:41]
    titles = [line.split("\t")[2] for line in lines]
    full = build(SentenceTransformersConfig(dtype="float32")).embed(titles, 16)
    half = build(SentenceTransformersConfig(dtype="bfloat16")).embed(titles, 16)
    assert half.dtype == np.float32 and np.allclose(np.linalg.norm(half, axis=1), 1, atol=1e-5)
    assert (full * half).sum(axis=1).min() > 0.999
    top_full, top_half = (full @ full.T).argsort(1)[:, -4:], (half @ half.T).argsort(1)[:, -4:]
    overlap = np.mean([len(set(a) & set(b)) / 4 for a, b in zip(top_full, top_half)])
    assert overlap > 0.95  # near-ties may swap, the neighbourhoods stay
