"""The chroma store through `index.url`: a real Chroma server (`chroma run`) started on 127.0.0.1, and
`sracl index` run against it on the quickstart sample (its real units; cheap item vectors, see
quickstart_units.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from helpers import run_cli
from quickstart_units import REPO, write_embed_artifacts
from sracl_cli import kinds, registry
from sracl_cli.errors import RunFailure
from sracl_cli.retrieval.stores.chroma import ChromaConfig, is_outdated
from sracl_cli.retrieval.stores.exact import ExactStore

CHROMA = Path(sys.executable).parent / "chroma"
START_TIMEOUT_S = 60
QUICKSTART = REPO / "recipes" / "quickstart.toml"
# HNSW builds differ run to run: two embedded builds of the quickstart's tables differed in 3 of 151,150
# unit-neighbour slots (0 of 72,160 item slots) and a server build from an embedded one in 5 (measured with
# `index` below on 2026-12-02: the quickstart twice embedded, once on a server, compared by
# `differing_slots`); a slot counts when a row's neighbour sets differ (ties between identical unit vectors
# make the order within a row arbitrary). 0.05 % (75 unit slots) is 15x that.
DIFFERING_SLOTS_AT_MOST = 0.0005


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_heartbeat(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"chroma run exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no heartbeat from {url} within {START_TIMEOUT_S}s")


@contextmanager
def chroma_server(folder: Path):
    """(url, process) of `chroma run` on a free port of 127.0.0.1, storing in `folder`."""
    port = free_port()
    command = [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, server)
        yield url, server
    finally:
        server.kill()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("server")) as (url, _):
        yield url


def index(run_dir: Path, *settings: str, recipe: Path = QUICKSTART):
    """`sracl index` (the CLI, in-process) of the quickstart with a Chroma store; the run's tables."""
    overrides = [f'output.dir="{run_dir}"', 'index.store="chroma"', "index.recall_sample=0", *settings]
    result = run_cli("index", recipe, *[arg for value in overrides for arg in ("--set", value)])
    assert result.exit_code == 0, result.output
    return [np.load(run_dir / "index" / name) for name in ("item_neighbors.npy", "user_neighbors.npy")]


def differing_slots(table: np.ndarray, other: np.ndarray) -> int:
    """Neighbours of a row in one table that are not among the same row's neighbours in the other."""
    return sum(len(set(a) - set(b)) for a, b in zip(table.tolist(), other.tolist()))


def server_collections(url: str) -> dict[str, int]:
    import chromadb
    from chromadb.config import Settings

    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False))
    return {collection.name: collection.count() for collection in client.list_collections()}


@pytest.mark.slow
def test_server_store_matches_exact(chroma_url, tmp_path):
    vectors = np.random.default_rng(3).standard_normal((600, 24)).astype(np.float32)
    config = ChromaConfig(url=chroma_url)
    store = registry.load(kinds.VECTOR_STORE, "chroma").open(config, tmp_path, "server-items", "abc")
    store.upsert(np.arange(600), vectors)
    exact = ExactStore()
    exact.upsert(np.arange(600), vectors)
    ids, scores = store.query(vectors[:50], 5)
    exact_ids, exact_scores = exact.query(vectors[:50], 5)
    assert store.count() == 600
    assert (ids == exact_ids).mean() >= 0.99
    np.testing.assert_allclose(scores, exact_scores, atol=1e-4)
    assert not (tmp_path / "chroma").exists(), "a server store keeps nothing in the run directory"
    reopened = registry.load(kinds.VECTOR_STORE, "chroma").open(config, tmp_path, "server-items", "abc")
    assert reopened.count() == 600


@pytest.mark.slow
def test_index_on_a_server_equals_the_embedded_store_and_a_second_recipe_clobbers_nothing(chroma_url, tmp_path):
    earlier = set(server_collections(chroma_url))  # the module's server also holds other tests' collections

    def collections() -> dict[str, int]:
        return {name: count for name, count in server_collections(chroma_url).items() if name not in earlier}

    for run in ("embedded", "server", "other"):
        write_embed_artifacts(tmp_path / run)
    embedded = index(tmp_path / "embedded")
    served = index(tmp_path / "server", f'index.url="{chroma_url}"')
    for table, other in zip(served, embedded):
        assert table.shape == other.shape and table.dtype == other.dtype
        assert differing_slots(table, other) <= DIFFERING_SLOTS_AT_MOST * table.size
    assert not (tmp_path / "server" / "index" / "chroma").exists()
    first = collections()
    assert sorted(first.values()) == [7216, 13115]  # items, and the unit pool

    # Same recipe name, another run folder, other vectors: before collections carried the folder's hash,
    # this dropped the first run's collections as outdated ones of its namespace.
    users = tmp_path / "other" / "embed" / "users.npy"
    np.save(users, np.load(users)[:, ::-1].copy())
    index(tmp_path / "other", f'index.url="{chroma_url}"', "index.hnsw_construction_ef=50")
    both = collections()
    assert set(first) < set(both) and len(both) == 4
    assert all(both[name] == count for name, count in first.items())
    again = index(tmp_path / "server", f'index.url="{chroma_url}"')  # reuses its collections: same tables
    assert collections() == both
    for table, other in zip(again, served):
        np.testing.assert_array_equal(table, other)


def test_only_collections_of_the_very_namespace_are_outdated():
    wanted = "sracl-a-items-00ff-m32-c200"
    assert is_outdated("sracl-a-items-11aa-m32-c100", "a-items", wanted)
    assert not is_outdated(wanted, "a-items", wanted)
    assert not is_outdated("sracl-a-items-items-11aa-m32-c200", "a-items", wanted)  # recipe "a-items"'s
    assert not is_outdated("sracl-b-items-11aa-m32-c200", "a-items", wanted)


def test_unreachable_server_is_a_run_failure(tmp_path):
    config = ChromaConfig(url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RunFailure, match="no Chroma server answers at http://127.0.0.1:"):
        registry.load(kinds.VECTOR_STORE, "chroma").open(config, tmp_path, "x", "y")


def test_index_against_a_server_that_is_down_exits_1_and_writes_no_tables(tmp_path):
    write_embed_artifacts(tmp_path)
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("index", QUICKSTART, "--set", f'output.dir="{tmp_path}"', "--set", 'index.store="chroma"',
                     "--set", f'index.url="{url}"')
    assert result.exit_code == 1
    assert f"index.url: no Chroma server answers at {url}" in result.output
    assert "Traceback" not in result.output
    assert not list((tmp_path / "index").glob("*.npy"))


@pytest.mark.slow
def test_a_server_killed_mid_index_exits_1_with_a_clear_message_and_no_tables(tmp_path):
    write_embed_artifacts(tmp_path)
    with chroma_server(tmp_path / "server") as (url, server):
        command = [sys.executable, "-m", "sracl_cli", "index", str(QUICKSTART), "--set", f'output.dir="{tmp_path}"',
                   "--set", 'index.store="chroma"', "--set", f'index.url="{url}"']
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 env={**os.environ, "COLUMNS": "400"})
        try:
            deadline = time.monotonic() + 120
            while not any(server_collections(url).values()):  # the first vectors are in
                assert child.poll() is None and time.monotonic() < deadline, "index never stored anything"
                time.sleep(0.05)
            os.kill(server.pid, signal.SIGKILL)
            output, _ = child.communicate(timeout=120)
        finally:
            child.kill()
    assert child.returncode == 1, output
    assert f"index.url: the Chroma server at {url} failed while " in output
    assert "no neighbour tables were written" in output and "Traceback" not in output
    assert not list((tmp_path / "index").glob("*.npy"))
