"""Where recommendations go: a file chosen by its extension (`.jsonl`: one object per query; `.csv` and
`.parquet`: one row per recommended item), written batch by batch to a temporary sibling and renamed into place
when complete; or the console: a rich table per query.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from rich.table import Table

from sracl_cli.artifacts import write_atomic
from sracl_cli.errors import UsageError
from sracl_cli.serving.recommend import Result

COLUMNS = ("query", "rank", "item", "title", "score")
SUFFIXES = (".jsonl", ".csv", ".parquet")
PARQUET_EXTRA = "pip install 'sracl[parquet]'"


def check_out(path: Path) -> None:
    """Before any work: a known extension, and pyarrow when it is Parquet."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"--out {path}: expected a {', '.join(SUFFIXES)} file, got '{path.suffix or path.name}'")
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError(f"--out {path}: Parquet output needs pyarrow ({PARQUET_EXTRA})") from None


def write_results(path: Path, batches: Iterable[list[Result]]) -> Path:
    """Stream every batch into `path` (renamed into place only when all of them are written)."""
    check_out(path)
    writers = {".jsonl": _write_jsonl, ".csv": _write_csv, ".parquet": _write_parquet}
    return write_atomic(path, lambda tmp: writers[path.suffix.lower()](tmp, batches))


def query_record(result: Result) -> dict:
    record: dict = {"query": result.query.key}
    if result.query.user is not None:
        record["user"] = result.query.user
    return {**record, "recommendations": result.rows, "unknown_items": result.unknown}


def _write_jsonl(tmp: Path, batches: Iterable[list[Result]]) -> None:
    with open(tmp, "w", encoding="utf-8") as handle:
        for batch in batches:
            handle.writelines(json.dumps(query_record(result), ensure_ascii=False) + "\n" for result in batch)


def _write_csv(tmp: Path, batches: Iterable[list[Result]]) -> None:
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for batch in batches:
            writer.writerows((result.query.key, row["rank"], row["item"], row["title"], row["score"])
                             for result in batch for row in result.rows)


def _write_parquet(tmp: Path, batches: Iterable[list[Result]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("query", pa.string()), ("rank", pa.int32()), ("item", pa.string()),
                        ("title", pa.string()), ("score", pa.float32())])
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in batches:
            rows = [(result.query.key, row) for result in batch for row in result.rows]
            columns = {"query": [key for key, _ in rows], **{name: [row[name] for _, row in rows]
                                                              for name in COLUMNS[1:]}}
            writer.write_table(pa.table(columns, schema=schema))


def results_table(result: Result, title: str) -> Table:
    table = Table(title=title)
    for name in ("rank", "item", "title", "score"):
        table.add_column(name, justify="right" if name in ("rank", "score") else "left")
    for row in result.rows:
        table.add_row(str(row["rank"]), row["item"], row["title"], f"{row['score']:.4f}")
    return table
