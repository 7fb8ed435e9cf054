"""Batch LLM jobs (`llm.mode = "batch"`): the cache misses as OpenAI Batch API shards, polled, folded into
the response cache.

The misses are written as JSONL shards of at most `llm.batch_max_requests` lines (the API takes 50,000),
one request per line with the cache key as its `custom_id`, under `batches/` beside the cache; each is
uploaded, a batch is created from it, and the job state (`batch_state.py`) records both before the next
step. The batches are polled every `llm.batch_poll_s` seconds, with progress shown, and a finished batch's
output and error files are folded into the cache: every valid reply is committed once (a key already in
the cache is skipped, so folding a batch again after a kill adds nothing), every failed or invalid line
goes to the cache's failures and is asked again by the next job, like a failed online call.

A run that finds shards of an earlier, interrupted run still pending for its misses polls those batches
instead of submitting their requests again: nothing is bought twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from sracl_cli.artifacts import write_text
from sracl_cli.semantic.batch_api import ENDPOINT, BatchAPI, BatchStatus
from sracl_cli.semantic.batch_progress import BatchProgress
from sracl_cli.semantic.batch_state import BatchJobs, Shard
from sracl_cli.semantic.cache import ResponseCache
from sracl_cli.semantic.providers.protocol import Request, Result

SHARD_FOLDER = "batches"


@dataclass(frozen=True)
class BatchMode:
    """What a provider in batch mode gives the job: its API, and how to write a line and read a reply."""

    api: BatchAPI
    body: Callable[[Request], dict]  # the request body of one line
    result: Callable[[str, dict], Result]  # (key, reply body) → Result, priced at batch rates
    poll_s: float
    max_requests: int


def run_batch_job(mode: BatchMode, requests: Sequence[Request], cache: ResponseCache,
                  record: Callable[[Result], None], console: Console) -> None:
    """Ask for every request through batches; `record` gets the Result of each (success or failure)."""
    wanted = {request.key: request for request in requests}
    with BatchJobs(cache.path) as jobs:
        shards = [shard for shard in jobs.pending(mode.api.api_base) if not wanted.keys().isdisjoint(shard.keys)]
        covered = {key for shard in shards for key in shard.keys}
        fresh = [request for request in requests if request.key not in covered]
        if shards:
            console.print(f"batch: resuming {len(shards)} shard(s) submitted earlier ({len(covered):,} requests)")
        for start in range(0, len(fresh), mode.max_requests):
            shards.append(submit(mode, jobs, fresh[start : start + mode.max_requests], cache.path.parent))
        for shard in shards:
            ensure_batch(mode, jobs, shard)
        Folder(mode, jobs, cache, wanted, record).poll(shards, console)


def submit(mode: BatchMode, jobs: BatchJobs, requests: Sequence[Request], folder: Path) -> Shard:
    """Write one shard, upload it, and record it (an upload that is never recorded costs nothing)."""
    lines = [json.dumps({"custom_id": r.key, "method": "POST", "url": ENDPOINT, "body": mode.body(r)},
                        ensure_ascii=False, sort_keys=True) for r in requests]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path = write_text(folder / SHARD_FOLDER / f"{hashlib.sha256(data).hexdigest()[:16]}.jsonl", data.decode("utf-8"))
    file_id = mode.api.upload(path.name, data)
    return jobs.add(file_id, mode.api.api_base, [request.key for request in requests])


def ensure_batch(mode: BatchMode, jobs: BatchJobs, shard: Shard) -> None:
    """A batch for the shard: the one recorded, else one made from its file earlier (killed before the id
    was saved), else a new one."""
    if shard.batch_id is None:
        batch = mode.api.find(shard.input_file_id) or mode.api.create(shard.input_file_id)
        jobs.set_batch(shard, batch.id)


class Folder:
    """Polls shards and folds each finished one into the cache."""

    def __init__(self, mode: BatchMode, jobs: BatchJobs, cache: ResponseCache, wanted: dict[str, Request],
                 record: Callable[[Result], None]):
        self._mode, self._jobs, self._cache = mode, jobs, cache
        self._wanted, self._record = wanted, record

    def poll(self, shards: list[Shard], console: Console) -> None:
        total = sum(len(shard.keys) for shard in shards)
        done: dict[str, int] = {}
        active = list(shards)
        with BatchProgress(console, len(shards), total) as progress:
            while active:
                for shard in list(active):
                    assert shard.batch_id is not None, "ensure_batch gave every shard a batch"
                    status = self._mode.api.retrieve(shard.batch_id)
                    done[shard.input_file_id] = status.completed + status.failed
                    if status.finished:
                        self.fold(shard, status)
                        done[shard.input_file_id] = len(shard.keys)
                        active.remove(shard)
                progress.update(sum(done.values()), len(shards) - len(active))
                if active:
                    time.sleep(self._mode.poll_s)

    def fold(self, shard: Shard, status: BatchStatus) -> None:
        keys = set(shard.keys)
        skip = set(self._cache.lookup(shard.keys))  # folded before a kill, or answered by another run
        for file_id in (status.output_file_id, status.error_file_id):
            for line in self._mode.api.content(file_id).splitlines() if file_id else []:
                key, result = self._line(line)
                if key in keys and key not in skip:
                    skip.add(key)
                    self._keep(result)
        detail = f"{status.status}: {status.errors}" if status.errors else status.status
        why = self._mode.api.redact(f"no reply in batch {status.id} ({detail})")
        for key in shard.keys:
            if key not in skip:
                self._keep(Result(key, error=why))
        self._jobs.mark_folded(shard)

    def _line(self, line: bytes) -> tuple[str | None, Result]:
        try:
            answer = json.loads(line)
            key = str(answer["custom_id"])
        except (ValueError, KeyError, TypeError):
            return None, Result("")  # not a line of ours: its key, if any, counts as missing
        response = answer.get("response") or {}
        code, body = response.get("status_code"), response.get("body") or {}
        if answer.get("error") or code != 200:
            problem = answer.get("error") or body.get("error") or {}
            message = problem.get("message", "") if isinstance(problem, dict) else str(problem)
            return key, Result(key, error=self._mode.api.redact(f"HTTP {code}: {message}")[:500])
        return key, self._mode.result(key, body)

    def _keep(self, result: Result) -> None:
        if result.key in self._wanted:
            self._record(result)
        elif result.ok:  # paid for by an earlier job, no longer asked for: kept all the same
            self._cache.store(result)
        else:
            self._cache.store_failure(result)
