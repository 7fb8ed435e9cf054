"""The chroma store through `index.url`: a real Chroma server (`chroma run`) started on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sracl_cli import kinds, registry
from sracl_cli.errors import UsageError
from sracl_cli.retrieval.stores.chroma import ChromaConfig
from sracl_cli.retrieval.stores.exact import ExactStore

CHROMA = Path(sys.executable).parent / "chroma"
START_TIMEOUT_S = 60


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


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("server")
    command = [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


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


def test_unreachable_server_is_a_usage_error(tmp_path):
    config = ChromaConfig(url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(UsageError, match="no Chroma server answers at http://127.0.0.1:"):
        registry.load(kinds.VECTOR_STORE, "chroma").open(config, tmp_path, "x", "y")
