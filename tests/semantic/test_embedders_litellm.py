"""The litellm embedder against a real OpenAI-compatible embeddings server on 127.0.0.1 (stdlib, a thread)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from sracl_cli import kinds, registry
from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.semantic.embedders.litellm_api import LiteLLMEmbedderConfig

DIM = 8


def fake_vector(text: str) -> list[float]:
    """Deterministic, not normalised: the embedder must normalise."""
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 10.0 + 1.0 for b in digest[:DIM]]


class EmbeddingServer:
    def __init__(self):
        self.batches: list[list[str]] = []
        self.authorizations: list[str | None] = []
        self.models: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.batches.append(body["input"])
                server.authorizations.append(self.headers.get("Authorization"))
                server.models.append(body["model"])
                if self.path != "/v1/embeddings" or "<<fail>>" in body["input"]:
                    return self._reply(500, {"error": {"message": "boom", "type": "server_error"}})
                # Reversed on purpose: clients must order by "index".
                texts = body["input"]
                data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)} for i, t in enumerate(texts)]
                usage = {"prompt_tokens": len(data), "total_tokens": len(data)}
                self._reply(200, {"object": "list", "data": data[::-1], "model": body["model"], "usage": usage})

            def _reply(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server():
    with EmbeddingServer() as running:
        yield running


def embedder(server, progress=None, **keys):
    config = LiteLLMEmbedderConfig(model="openai/local-embedder", api_base=server.api_base, **keys)
    return registry.load(kinds.EMBEDDER, "litellm").build(config, progress)


def test_vectors_come_back_normalised_in_input_order(server, monkeypatch):
    monkeypatch.setenv("LOCAL_EMBED_KEY", "sk-local-test")
    done = []
    texts = [f"item {i}" for i in range(5)]
    vectors = embedder(server, done.append, api_key_env="LOCAL_EMBED_KEY").embed(texts, batch_size=2)
    expected = np.asarray([fake_vector(t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert vectors.dtype == np.float32 and vectors.shape == (5, DIM)
    np.testing.assert_allclose(vectors, expected, rtol=1e-6)
    assert server.batches == [["item 0", "item 1"], ["item 2", "item 3"], ["item 4"]]
    assert done == [2, 2, 1]
    assert set(server.authorizations) == {"Bearer sk-local-test"}
    assert set(server.models) == {"local-embedder"}


def test_dim_is_probed_once_and_a_local_server_gets_a_placeholder_key(server):
    client = embedder(server)
    assert client.dim == DIM and client.dim == DIM
    assert len(server.batches) == 1
    assert server.authorizations == ["Bearer no-key"]


def test_missing_key_variable_is_a_usage_error(server, monkeypatch):
    monkeypatch.delenv("NO_SUCH_EMBED_KEY", raising=False)
    with pytest.raises(UsageError, match="environment variable NO_SUCH_EMBED_KEY is not set"):
        embedder(server, api_key_env="NO_SUCH_EMBED_KEY")


def test_server_error_is_a_run_failure_without_the_key(server, monkeypatch):
    monkeypatch.setenv("LOCAL_EMBED_KEY", "sk-secret-123")
    with pytest.raises(RunFailure, match="embedding request to openai/local-embedder failed") as caught:
        embedder(server, api_key_env="LOCAL_EMBED_KEY").embed(["fine", "<<fail>>"], batch_size=8)
    assert "sk-secret-123" not in str(caught.value)
