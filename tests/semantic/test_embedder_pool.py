"""`embedding.processes` / `embedding.devices`: sentence-transformers' multi-process pool gives the vectors
one process gives."""

from __future__ import annotations

import numpy as np
import pytest

from minilm_vectors import quickstart_titles
from sracl_cli.errors import UsageError
from sracl_cli.semantic.embedders.sbert import SentenceTransformersConfig, build


@pytest.mark.slow
def test_two_processes_give_the_vectors_of_one():
    titles = quickstart_titles()[:150]  # 150 texts in batches of 16: 5 pool calls, the last one partial
    done: list[int] = []
    one = build(SentenceTransformersConfig(), None).embed(titles, 16)
    pooled = build(SentenceTransformersConfig(processes=2), done.append)
    two = pooled.embed(titles, 16)
    assert pooled._pool is not None and len(pooled._pool["processes"]) == 2
    assert sum(done) == 150 and done[0] == 32  # one progress step per pool call: a batch per worker
    assert two.shape == one.shape == (150, 384) and two.dtype == np.float32
    np.testing.assert_allclose(two, one, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(two, axis=1), 1.0, atol=1e-5)
    assert pooled.embed([], 16).shape == (0, 384)


def test_the_pool_runs_float32_only():
    with pytest.raises(UsageError, match="embedding.dtype: bfloat16 autocast runs in this process only"):
        build(SentenceTransformersConfig(processes=2, dtype="bfloat16"), None)
