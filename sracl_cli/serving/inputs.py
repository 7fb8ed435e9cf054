"""`sracl recommend --input FILE`: queries read as a stream from JSON lines or a CSV / TSV table.

JSON lines (`.jsonl`): one object per line with `user` (a user id of the dataset) or `history` (item ids,
oldest first: a list, or one string of ids separated by spaces), and optionally `id`, which names the query in
the output (default: its user, else `line N`). A table (`.csv` comma-separated, `.tsv` tab-separated) has a
header with a `user` or a `history` column (ids separated by spaces) and optionally `id`; a row fills one of
the two. Every problem is exit 2 as `file:line: reason`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sracl_cli.data.loaders.common import located, read_fields, shown
from sracl_cli.errors import UsageError
from sracl_cli.serving.recommend import Query

KEYS = ("id", "user", "history")
TABLE_SEPARATORS = {".csv": ",", ".tsv": "\t"}
SUFFIXES = (".jsonl", *TABLE_SEPARATORS)


def check_input(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        got = shown(path.suffix or path.name)
        raise UsageError(f"--input {path}: expected a {', '.join(SUFFIXES)} file, got {got}")
    if not path.is_file():
        raise UsageError(f"--input {path}: no such file")


def read_queries(path: Path) -> Iterator[Query]:
    check_input(path)
    suffix = path.suffix.lower()
    return _json_lines(path) if suffix == ".jsonl" else _table(path, TABLE_SEPARATORS[suffix])


def _json_lines(path: Path) -> Iterator[Query]:
    for line_no, (line,) in read_fields(path, sep="\n"):  # whole lines: "\n" never remains in one
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise located(path, line_no, f"not JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(value, dict):
            raise located(path, line_no, 'expected a JSON object with "user" or "history"')
        unknown = [key for key in value if key not in KEYS]
        if unknown:
            raise located(path, line_no, f"unknown key {shown(unknown[0])} (keys: user or history, and id)")
        yield _query(path, line_no, value)


def _table(path: Path, separator: str) -> Iterator[Query]:
    line_of = [0]

    def lines() -> Iterator[str]:
        for line_no, (line,) in read_fields(path, sep="\n"):
            line_of[0] = line_no
            yield line

    rows = csv.reader(lines(), delimiter=separator)
    header = next(rows, None)
    if header is None:
        raise located(path, 1, "expected a header line (user or history, and id), the file is empty")
    columns = [name.strip() for name in header]
    if "user" not in columns and "history" not in columns:
        raise located(path, line_of[0], f"no column 'user' or 'history'; columns: {', '.join(columns)}")
    for row in rows:
        if len(row) != len(columns):
            raise located(path, line_of[0], f"expected {len(columns)} fields, got {len(row)}")
        cells = {name: cell for name, cell in zip(columns, row) if name in KEYS and cell.strip()}
        yield _query(path, line_of[0], cells)


def _query(path: Path, line_no: int, fields: dict[str, Any]) -> Query:
    given = [key for key in ("user", "history") if fields.get(key) not in (None, "")]
    if len(given) != 1:
        raise located(path, line_no, "give exactly one of user and history" if given else "no user and no history")
    where = f"{path.name}:{line_no}"
    if given == ["user"]:
        user = _id(path, line_no, fields["user"], "user")
        return Query(key=_key(path, line_no, fields, user), user=user, where=where)
    history = _history(path, line_no, fields["history"])
    return Query(key=_key(path, line_no, fields, f"line {line_no}"), history=history, where=where)


def _history(path: Path, line_no: int, value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [_id(path, line_no, item, "history item") for item in value]
    raise located(path, line_no, f"history: expected a list of item ids or a string, got {type(value).__name__}")


def _id(path: Path, line_no: int, value: Any, what: str) -> str:
    """An id as text: a string or an integer (JSON numbers that are ids), never a float, bool or object."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise located(path, line_no, f"{what}: expected an id (a string or an integer), got {json.dumps(value)}")


def _key(path: Path, line_no: int, fields: dict[str, Any], default: str) -> str:
    return default if fields.get("id") in (None, "") else _id(path, line_no, fields["id"], "id")
