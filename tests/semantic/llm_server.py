"""A real OpenAI-compatible chat server on 127.0.0.1 for the LLM tests (stdlib only, one thread per connection).

Replies are deterministic functions of the messages: item prompts (those asking for "item summary") get
JSON, others a sentence. It counts requests and the most requests in flight at once, can sleep before
answering, fail the first N requests with a given status, fail every request whose user message contains
a marker (echoing the Authorization header in the error, as some servers do), reject keys other than the
expected one with 401, and records the Authorization header and the `response_format` of every request.

It also serves OpenAI's Batch API: `/v1/files` (upload as multipart, `/content` to download) and
`/v1/batches` (create, retrieve, list). A batch really runs its lines through the same answers, in a
background thread that waits for `batch_release` (so a test can hold batches in progress), writes the
replies to an output file and failed lines to an error file, and counts every line it processed in `billed`
(by custom_id): a request billed twice shows there as 2.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES = ("/v1/chat/completions", "/chat/completions")
FILES, BATCHES = "/v1/files", "/v1/batches"
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
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.billed: Counter[str] = Counter()  # batch lines processed, by custom_id
        self.batch_release = threading.Event()
        self.batch_release.set()
        self._ids = itertools.count(1)
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


    def add_file(self, data: bytes, purpose: str) -> dict:
        with self._lock:
            file_id = f"file-{next(self._ids)}"
            self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": f"{file_id}.jsonl", "purpose": purpose, "status": "processed"}

    def create_batch(self, body: dict, authorization: str | None) -> tuple[int, dict]:
        if body.get("input_file_id") not in self.files:
            return 404, _error(404, f"no file {body.get('input_file_id')}")
        with self._lock:
            batch_id = f"batch_{next(self._ids)}"
            lines = self.files[body["input_file_id"]].decode().splitlines()
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],
                "status": "in_progress", "output_file_id": None, "error_file_id": None,
                "created_at": int(time.time()), "metadata": body.get("metadata"),
                "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            }
        threading.Thread(target=self._process, args=(batch_id, lines, authorization), daemon=True).start()
        return 200, self.batches[batch_id]

    def _process(self, batch_id: str, lines: list[str], authorization: str | None) -> None:
        self.batch_release.wait()
        outputs, errors = [], []
        counts = self.batches[batch_id]["request_counts"]
        for line in lines:
            request = json.loads(line)
            with self._lock:
                self.billed[request["custom_id"]] += 1
            status, body = self.answer(request["body"], authorization)
            answer = {"id": f"batch_req_{next(self._ids)}", "custom_id": request["custom_id"],
                      "response": {"status_code": status, "request_id": "req", "body": body}, "error": None}
            (outputs if status == 200 else errors).append(json.dumps(answer))
            counts["completed" if status == 200 else "failed"] += 1
        done = {"status": "completed", "completed_at": int(time.time())}
        for name, kept in (("output_file_id", outputs), ("error_file_id", errors)):
            if kept:
                done[name] = self.add_file(("\n".join(kept) + "\n").encode(), "batch_output")["id"]
        with self._lock:
            self.batches[batch_id].update(done)


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
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            authorization = self.headers.get("Authorization")
            if self.path == FILES:
                fields = _form_fields(self.headers.get("Content-Type", ""), raw)
                self._send(200, server.add_file(fields["file"], fields["purpose"].decode()))
            elif self.path == BATCHES:
                self._send(*server.create_batch(json.loads(raw), authorization))
            elif self.path in ROUTES:
                self._send(*server.answer(json.loads(raw or b"{}"), authorization))
            else:
                self._send(404, _error(404))

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            name = path.rsplit("/", 2)[-2] if path.endswith("/content") else path.rsplit("/", 1)[-1]
            if path.startswith(f"{FILES}/") and path.endswith("/content") and name in server.files:
                self._send(200, server.files[name], "application/octet-stream")
            elif path.startswith(f"{FILES}/") and name in server.files:
                self._send(200, {"id": name, "object": "file", "bytes": len(server.files[name]),
                                 "created_at": 0, "filename": name, "purpose": "batch", "status": "processed"})
            elif path == BATCHES:
                self._send(200, {"object": "list", "data": list(server.batches.values()), "has_more": False})
            elif path.startswith(f"{BATCHES}/") and name in server.batches:
                self._send(200, server.batches[name])
            else:
                self._send(404, _error(404))

        def _send(self, status: int, payload: dict | bytes, content_type: str = "application/json") -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
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


def _form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name (an upload to /v1/files)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.iter_parts()}
