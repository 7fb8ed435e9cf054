"""`sracl recommend`: one query to the console (a table, or JSON), or many (`--input`, `--all-users`) streamed
to `--out`. Notes (the seed served, unknown item ids, queries with nothing to go on) go to stderr, so stdout
stays the table or the JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from sracl_cli.devices import set_threads
from sracl_cli.errors import UsageError
from sracl_cli.progress_lines import ProgressLines
from sracl_cli.serving.inputs import check_input, read_queries
from sracl_cli.serving.outputs import check_out, query_record, results_table, write_results
from sracl_cli.serving.recommend import Query, Result, check_k, recommend_queries, recommend_stream, unknown_user
from sracl_cli.serving.run_loader import Run, load_run

SHOWN_UNKNOWN = 5
EXPORT_TOLERANCE = 1e-4


@dataclass
class Request:
    target: Path
    user: str | None = None
    history: str | None = None
    input: Path | None = None
    all_users: bool = False
    out: Path | None = None
    k: int = 20
    exclude_seen: bool = True
    seed: int | None = None
    as_json: bool = False
    overrides: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Usage problems, before the run is loaded."""
        given = [self.user is not None, self.history is not None, self.input is not None, self.all_users]
        if sum(given) != 1:
            raise UsageError("recommend: give exactly one of --user, --history, --input and --all-users")
        if (self.input is not None or self.all_users) and self.out is None:
            raise UsageError("recommend: --input and --all-users write to --out FILE (.jsonl, .csv or .parquet)")
        if self.input is not None:
            check_input(self.input)
        if self.out is not None:
            check_out(self.out)


@dataclass
class Unknown:
    """Item ids the dataset does not know, over all queries: how many, and the first few with where."""

    count: int = 0
    queries: int = 0
    first: list[dict] = field(default_factory=list)

    def add(self, result: Result) -> None:
        if not result.unknown:
            return
        self.count += len(result.unknown)
        self.queries += 1
        for item in result.unknown[: SHOWN_UNKNOWN - len(self.first)]:
            self.first.append({"item": item, "query": result.query.key, "where": result.query.where})

    def line(self, dataset: str) -> str:
        if self.queries == 1:  # one query: where is said once
            shown = ", ".join(repr(entry["item"]) for entry in self.first)
            where = self.first[0]["where"] or self.first[0]["query"]
            return f"{self.count:,} item id(s) unknown to {dataset}, left out of the history ({where}): {shown}"
        shown = ", ".join(f"{entry['item']!r} ({entry['where'] or entry['query']})" for entry in self.first)
        more = ", ..." if self.count > len(self.first) else ""
        return (f"{self.count:,} item id(s) unknown to {dataset} in {self.queries:,} queries, left out of their "
                f"histories: {shown}{more}")

    def as_dict(self) -> dict:
        return {"count": self.count, "queries": self.queries, "first": self.first}


def recommend_command(request: Request, console: Console, errors: Console) -> None:
    request.check()
    run = load_run(request.target, request.seed, overrides=request.overrides)
    set_threads(run.recipe.config.train.threads)
    check_k(run, request.k)
    if run.recipe.config.train.seeds:
        errors.print(f"serving {run.seed_note}", markup=False, highlight=False, soft_wrap=True)
    if request.input is None and not request.all_users:
        _one_query(run, request, console, errors)
    else:
        _many_queries(run, request, console, errors)


def _one_query(run: Run, request: Request, console: Console, errors: Console) -> None:
    if request.user is not None:
        query = Query(key=request.user, user=request.user, where="--user")
    else:
        query = Query(key="history", history=(request.history or "").split(), where="--history")
    (result,) = recommend_queries(run, [query], request.k, request.exclude_seen)
    unknown = Unknown()
    unknown.add(result)
    if unknown.count:
        errors.print(unknown.line(run.data.name), markup=False, highlight=False, soft_wrap=True)
    if not result.rows and query.history is not None:
        raise UsageError(f"--history: none of its {len(query.history or [])} item ids is an item of {run.data.name}")
    if request.out is not None:
        write_results(request.out, [[result]])
    if request.as_json:
        console.print_json(json.dumps({**_settings(run, request), **query_record(result),
                                       "unknown_items": unknown.as_dict()}))
        return
    who = f"user {request.user}" if request.user is not None else f"a history of {len(result.query.history or [])}"
    title = f"{run.data.name}: top {request.k} for {who}" + (", seen items hidden" if request.exclude_seen else "")
    console.print(results_table(result, title))


def _many_queries(run: Run, request: Request, console: Console, errors: Console) -> None:
    if request.all_users:
        total = run.data.n_users
        queries: Iterable[Query] = (Query(key=user, user=user) for user in run.data.user_ids)
    else:
        assert request.input is not None
        total = _check_queries(run, request.input)  # bad input is exit 2 before any ranking
        queries = read_queries(request.input)
    tally = Tally(ProgressLines(errors, "recommend", total, "queries"))
    started = time.perf_counter()
    assert request.out is not None
    write_results(request.out, tally.counting(recommend_stream(run, queries, request.k, request.exclude_seen)))
    seconds = time.perf_counter() - started
    for line in tally.notes(run.data.name):
        errors.print(line, markup=False, highlight=False, soft_wrap=True)
    if request.as_json:
        console.print_json(json.dumps({**_settings(run, request), "out": str(request.out), "queries": tally.queries,
                                       "rows": tally.rows, "empty_queries": tally.empty,
                                       "unknown_items": tally.unknown.as_dict(), "seconds": round(seconds, 3)}))
        return
    console.print(f"top {request.k} for {tally.queries:,} queries in {seconds:.1f} s: wrote {request.out}",
                  markup=False, highlight=False, soft_wrap=True)


@dataclass
class Tally:
    progress: ProgressLines
    queries: int = 0
    rows: int = 0
    empty: int = 0
    unknown: Unknown = field(default_factory=Unknown)

    def counting(self, batches: Iterable[list[Result]]) -> Iterator[list[Result]]:
        for batch in batches:
            for result in batch:
                self.unknown.add(result)
                self.rows += len(result.rows)
                self.empty += not result.rows
            self.queries += len(batch)
            self.progress.update(self.queries)
            yield batch

    def notes(self, dataset: str) -> list[str]:
        notes = [self.unknown.line(dataset)] if self.unknown.count else []
        if self.empty:
            notes.append(f"{self.empty:,} queries had no item of {dataset} in their history: no recommendations")
        return notes


def _check_queries(run: Run, path: Path) -> int:
    """Read the whole input once (every line parsed, every user known); the number of queries."""
    count = 0
    for query in read_queries(path):
        if query.user is not None and query.user not in run.user_row:
            raise unknown_user(run, query)
        count += 1
    return count


def _settings(run: Run, request: Request) -> dict:
    return {"run": str(run.recipe.run_dir), "seed": run.seed, "k": request.k, "exclude_seen": request.exclude_seen}


def export_command(target: Path, fmt: str, out: Path, seed: int | None, overrides: list[str],
                   console: Console) -> None:
    from sracl_cli.serving.export import check_format, export_run

    check_format(fmt)
    run = load_run(target, seed, device="cpu", overrides=overrides)  # exported graphs run anywhere; traced on CPU
    set_threads(run.recipe.config.train.threads)
    if run.recipe.config.train.seeds:
        console.print(f"exporting {run.seed_note}", markup=False, highlight=False, soft_wrap=True)
    files, difference = export_run(run, fmt, out)
    console.print(f"checked in its own runtime: largest score difference from sracl {difference:.1e} "
                  f"over the first users' histories", markup=False, highlight=False, soft_wrap=True)
    if not difference <= EXPORT_TOLERANCE:
        console.print(f"warning: the difference is above {EXPORT_TOLERANCE:g}: compare before serving it",
                      markup=False, highlight=False)
    console.print(f"wrote {out}: {', '.join(path.name for path in files)}", markup=False, highlight=False)
