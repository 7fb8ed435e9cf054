"""A real OpenAI-compatible chat server on 127.0.0.1 for the LLM tests (stdlib only, one thread per connection).

Replies are deterministic functions of the messages: item prompts (those asking for "item summary") get
JSON, others a sentence. It counts requests and the most requests in flight at once, can sleep before
answering, fail the first N requests with a given status, fail every request whose user message contains
a marker (echoing the Authorization header in the error, as some servers do), reject keys other than the
expected one with 401, and records the Authorization header and the `response_format` of every request.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES = ("/v1/chat/completions", "/chat/completions")
ALWAYS_FAIL_MARKER = "<<fail>>"


class FakeLLMServer:
    def __init__(self, latency_s: float = 0.0, fail_first: int = 0, fail_status: int = 500, api_key: str | None = None):
        self.latency_s = latency_s
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.fail_marked = True
        self.api_key = api_key  # when set, other keys get 401
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.authorizations: list[str | None] = []
        self.response_formats: list[tuple[bool, dict | None]] = []  # (item prompt?, response_format)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            self.max_in_flight = 0

    def answer(self, body: dict, authorization: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests += 1
            number = self.requests
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.authorizations.append(authorization)
            self.response_formats.append((_is_item_prompt(body["messages"]), body.get("response_format")))
        try:
            time.sleep(self.latency_s)
            messages = body["messages"]
            if self.api_key is not None and authorization != f"Bearer {self.api_key}":
                return 401, _error(401, f"invalid key {authorization}")
            if number <= self.fail_first:
                return self.fail_status, _error(self.fail_status)
            if self.fail_marked and ALWAYS_FAIL_MARKER in messages[-1]["content"]:
                # Like some real servers, echo the credentials back: the client must keep them out of its records.
                return 500, _error(500, f"cannot handle this prompt (request authorised by {authorization})")
            return 200, completion(body["model"], messages)
        finally:
            with self._lock:
                self.in_flight -= 1


def reply_text(messages: list[dict]) -> str:
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:12]
    if _is_item_prompt(messages):
        return json.dumps({"item summary": f"summary {digest}", "potential user analysis": f"buyers {digest}"})
    return f"preferences {digest}"


def _is_item_prompt(messages: list[dict]) -> bool:
    return any("item summary" in message["content"] for message in messages)


def completion(model: str, messages: list[dict]) -> dict:
    text = reply_text(messages)
    prompt_tokens = sum(len(message["content"]) for message in messages) // 4 + 1
    completion_tokens = len(text) // 4 + 1
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(status: int, message: str = "") -> dict:
    kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
    return {"error": {"message": message or f"test server says {status}", "type": kind, "code": kind}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connect at once


def _handler(server: FakeLLMServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real API server

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.path not in ROUTES:
                self._send(404, _error(404))
                return
            status, payload = server.answer(body, self.headers.get("Authorization"))
            self._send(status, payload)

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client was killed mid-request
                pass

        def log_message(self, *args) -> None:  # quiet
            pass

    return Handler
