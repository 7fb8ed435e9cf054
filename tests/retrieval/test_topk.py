"""The `ivf` store (k-means cells, bf16 GEMM candidates, fp32 re-rank) against exact brute force, on real
MiniLM embeddings of 1,000 quickstart titles plus exact duplicates (ties); exclusions through the index
search; sharded (process pool, torch.distributed ranks) equals unsharded."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from minilm_vectors import title_vectors
from quickstart_units import quickstart
from sracl_cli import kinds, registry
from sracl_cli.errors import UsageError
from sracl_cli.retrieval.exclusions import ExcludeSameUser, ExcludeSelf
from sracl_cli.retrieval.neighbors import Pool, search
from sracl_cli.retrieval.recall import recall_at_k
from sracl_cli.retrieval.sharding import sharded_search
from sracl_cli.retrieval.stores.exact import ExactStore
from sracl_cli.retrieval.stores.ivf import IvfConfig, IvfStore
from sracl_cli.retrieval.topk import Settings, build_index

N_TITLES = 1000
DUPLICATED = 7  # title 7 appears 15 times in all: more ties than k
COPIES = 14
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def vectors(request):
    titles = title_vectors(getattr(request.config, "cache", None), N_TITLES)
    return np.vstack([titles, np.repeat(titles[DUPLICATED : DUPLICATED + 1], COPIES, axis=0)])


def filled(vectors, ids, **config):
    store = registry.load(kinds.VECTOR_STORE, "ivf").open(IvfConfig(**config), None, "test", "x")
    store.upsert(ids, vectors)
    return store


def exact_top(vectors, ids, k):
    store = ExactStore()
    store.upsert(ids, vectors)
    return store.query(vectors, k)


def test_every_cell_equals_exact_brute_force(vectors):
    ids = np.arange(len(vectors), dtype=np.int64) * 3 + 5  # ids are not rows
    found, scores = filled(vectors, ids, nlist=16, nprobe=16).query(vectors, 10)
    exact_ids, exact_scores = exact_top(vectors, ids, 10)
    np.testing.assert_allclose(scores, exact_scores, atol=1e-5)
    by_id = np.zeros((ids.max() + 1, vectors.shape[1]), np.float32)
    by_id[ids] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert recall_at_k(found, exact_ids, vectors, by_id) == 1.0
    gaps = np.diff(exact_scores, axis=1, prepend=2.0, append=-2.0)
    untied = (np.abs(gaps[:, :-1]) > 1e-5) & (np.abs(gaps[:, 1:]) > 1e-5)
    assert untied.mean() > 0.9
    np.testing.assert_array_equal(found[untied], exact_ids[untied])


def test_a_bound_from_too_few_candidates_keeps_every_score(vectors):
    """k + rerank above what the 4 nearest cells hold (16 cells of ~63): no score bound, every probed score
    is a candidate, and the table is still exact brute force."""
    ids = np.arange(len(vectors), dtype=np.int64)
    found, scores = filled(vectors, ids, nlist=16, nprobe=16).query(vectors[:40], 300)
    exact_ids, exact_scores = exact_top(vectors, ids, 300)
    np.testing.assert_allclose(scores, exact_scores[:40], atol=1e-5)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert recall_at_k(found, exact_ids[:40], unit[:40], unit) == 1.0


def test_ties_go_to_the_lower_row(vectors):
    ids = np.arange(len(vectors), dtype=np.int64)
    copies = np.concatenate([[DUPLICATED], np.arange(N_TITLES, N_TITLES + COPIES)])
    found, scores = filled(vectors, ids, nlist=16, nprobe=16).query(vectors[copies], 10)
    np.testing.assert_array_equal(found, np.tile(copies[:10], (len(copies), 1)))
    np.testing.assert_allclose(scores, 1.0, atol=1e-6)


def test_fewer_cells_probed_trade_recall_for_work(vectors):
    ids = np.arange(len(vectors), dtype=np.int64)
    exact_ids, _ = exact_top(vectors, ids, 10)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    recalls = [recall_at_k(filled(vectors, ids, nlist=16, nprobe=p).query(vectors, 10)[0], exact_ids, unit, unit)
               for p in (1, 4, 16)]
    assert recalls[0] < recalls[1] < recalls[2] == 1.0
    assert recalls[0] > 0.5


def test_exclusions_through_the_index_search():
    _, units, _, unit_vectors = quickstart()
    pool_ids = np.flatnonzero(units.in_train_pool).astype(np.int64)
    pool = Pool(pool_ids, unit_vectors[pool_ids])
    query_ids = np.arange(len(units), dtype=np.int64)
    store = filled(pool.vectors, pool.ids, nprobe=10_000)
    for rule in (ExcludeSelf(), ExcludeSameUser.for_pool(units, pool_ids)):
        rows = search(store, unit_vectors, query_ids, 10, rule, pool)
        exact = search(pool.exact_store(), unit_vectors, query_ids, 10, rule, pool)
        assert not rule.excluded(query_ids, rows).any()
        assert recall_at_k(rows, exact, unit_vectors, unit_vectors) == 1.0


def test_store_refills_from_the_exact_search_when_cells_are_short(vectors):
    """One probed cell of ~60 vectors cannot give k = 100: the index search refills those rows exactly."""
    ids = np.arange(len(vectors), dtype=np.int64)
    store = filled(vectors, ids, nlist=16, nprobe=1)
    found, _ = store.query(vectors[:50], 100)
    assert (found == -1).any()
    pool = Pool(ids, vectors)
    rows = search(store, vectors[:50], ids[:50], 100, ExcludeSelf(), pool)
    assert (rows >= 0).all() and not (rows == ids[:50, None]).any()


def test_unknown_cuda_device_names_the_key():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(UsageError, match="index.device"):
        registry.load(kinds.VECTOR_STORE, "ivf").open(IvfConfig(device="cuda"), None, "test", "x")


@pytest.mark.slow
def test_process_pool_equals_one_process(vectors):
    ids = np.arange(len(vectors), dtype=np.int64)
    one = filled(vectors, ids, nlist=16, nprobe=4, query_block=100).query(vectors, 10)
    two = filled(vectors, ids, nlist=16, nprobe=4, query_block=100, processes=2).query(vectors, 10)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


def distributed_rank(rank: int, world: int, port: int, vectors: np.ndarray, folder: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    torch.set_num_threads(1)
    settings = Settings(16, 4, 16, 100)
    rows, scores = sharded_search(build_index(vectors, settings, CPU), vectors, 10, settings, processes=1)
    np.save(f"{folder}/rows_{rank}.npy", rows)
    np.save(f"{folder}/scores_{rank}.npy", scores)
    dist.destroy_process_group()


@pytest.mark.slow
def test_distributed_ranks_equal_one_process(vectors, tmp_path):
    import socket

    import torch.multiprocessing as mp

    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mp.spawn(distributed_rank, args=(2, port, unit, str(tmp_path)), nprocs=2)
    settings = Settings(16, 4, 16, 100)
    rows, scores = sharded_search(build_index(unit, settings, CPU), unit, 10, settings, processes=1)
    for rank in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"rows_{rank}.npy"), rows)
        np.testing.assert_array_equal(np.load(tmp_path / f"scores_{rank}.npy"), scores)


def test_upsert_rebuilds_the_cells(vectors):
    store = IvfStore(IvfConfig(nlist=4, nprobe=4), CPU)
    store.upsert(np.arange(100), vectors[:100])
    assert store.query(vectors[:1], 1)[0][0, 0] == 0
    store.upsert(np.arange(100, 200), vectors[100:200])
    found, _ = store.query(vectors[150:151], 1)
    assert found[0, 0] == 150 and store.count() == 200


@pytest.mark.slow
def test_index_stage_with_the_ivf_store(tmp_path):
    from rich.console import Console

    from quickstart_units import REPO, write_embed_artifacts
    from sracl_cli.recipe import load_recipe
    from sracl_cli.retrieval.stage import run_index

    write_embed_artifacts(tmp_path)
    recipe = load_recipe(REPO / "recipes" / "quickstart.toml",
                         [f'output.dir="{tmp_path}"', 'index.store="ivf"'])
    facts = run_index(recipe, Console(record=True, width=120))
    _, units, item_vectors, _ = quickstart()
    users = np.load(tmp_path / "index" / "user_neighbors.npy")
    assert users.shape == (len(units), 10) and (users >= 0).all()
    assert not (units.user[users] == units.user[:, None]).any()  # exclude_same_user holds
    assert facts["store"] == "ivf" and min(facts["recall_at_k"].values()) >= 0.98
