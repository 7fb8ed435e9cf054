"""`sracl data prepare`: the public Amazon review and metadata dumps → a dataset for the `csv` loader.

Both the 2014 and the 2018 releases are JSON lines (optionally .gz) with the same review fields (`reviewerID`,
`asin`, `unixReviewTime`); their metadata differ in the category field (2014: `categories`, a list of
category paths; 2018: `category`, one path). Some 2014 metadata files hold Python dict literals rather than
JSON, so a line that is not JSON is read with `ast.literal_eval` (literals only: no code is evaluated).

Reviews go through the csv loader's own ordering (users by id, each user's reviews by time, stable; repeated
(user, item, time) rows dropped), then the k-core filter of data/kcore.py. The output folder gets
`interactions.csv` (user_id, item_id, timestamp, in that order), `items.csv` (item_id, title, brand,
categories) and `recipe.toml`, a recipe to start from; each file is written atomically.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from sracl_cli.artifacts import write_text
from sracl_cli.data.dataset import from_user_sequences
from sracl_cli.data.kcore import core_mask
from sracl_cli.data.loaders.common import located
from sracl_cli.data.loaders.csv_files import text_lines
from sracl_cli.data.loaders.csv_table import Counts, Interaction, Timeline, chronological
from sracl_cli.errors import UsageError
from sracl_cli.progress_lines import ProgressLines

INTERACTIONS, ITEMS, RECIPE = "interactions.csv", "items.csv", "recipe.toml"
REVIEW_KEYS = ("reviewerID", "asin", "unixReviewTime")
TEXT_FIELDS = ("title", "brand", "categories")
_LINE_BREAKS = re.compile(r"[\t\n\r\f\v\x85\u2028\u2029]+")  # keeps an item's text on one line


@dataclass(frozen=True)
class Prepared:
    counts: Counts  # reviews read, duplicates dropped, reordered, tied
    users: int
    items: int
    interactions: int
    untitled: int  # kept items without a title in the metadata


def prepare(reviews: Path, meta: Path | None, out: Path, min_core: int, console: Console) -> Prepared:
    counts = Counts()
    timelines = chronological(_reviews(reviews, console), counts)
    rows = _core_rows(timelines, min_core, reviews, counts.rows)
    kept_items = list(dict.fromkeys(item for _, item, _ in rows))
    text = _item_text(meta, set(kept_items), console) if meta is not None else {}
    untitled = sum(not text.get(item, {}).get("title") for item in kept_items)
    write_text(out / INTERACTIONS, _csv(["user_id", "item_id", "timestamp"],
                                        [(user, item, _number(time)) for user, item, time in rows]))
    item_rows = [[item, *(text.get(item, {}).get(f, "") for f in TEXT_FIELDS)] for item in kept_items]
    write_text(out / ITEMS, _csv(["item_id", *TEXT_FIELDS], item_rows))
    result = Prepared(counts, len({user for user, _, _ in rows}), len(kept_items), len(rows), untitled)
    write_text(out / RECIPE, _recipe(out.name, reviews, meta, min_core, result))
    return result


def _core_rows(timelines: list[tuple[str, Timeline]], min_core: int, reviews: Path, n_reviews: int
               ) -> list[Interaction]:
    """The (user, item, time) rows of the k-core, users by id and each user's rows by time."""
    data = from_user_sequences(reviews.name, [(user, [item for item, _ in timeline]) for user, timeline in timelines])
    rows = [(user, item, time) for user, timeline in timelines for item, time in timeline]
    kept = [row for row, keep in zip(rows, core_mask(data, min_core).tolist()) if keep]
    if not kept:
        raise UsageError(f"{reviews.name}: the {min_core}-core keeps none of the {n_reviews:,} reviews; "
                         "lower --min-core")
    return kept


def _reviews(file: Path, console: Console) -> Iterator[Interaction]:
    for line_no, record in _records(file, console):
        missing = [key for key in REVIEW_KEYS if not str(record.get(key, "")).strip()]
        if missing:
            raise located(file, line_no, f"no '{missing[0]}' in the review (reviews need {', '.join(REVIEW_KEYS)})")
        time = record["unixReviewTime"]
        if isinstance(time, bool) or not isinstance(time, (int, float)):
            raise located(file, line_no, f"unixReviewTime {str(time)[:40]!r} is not a number")
        yield str(record["reviewerID"]).strip(), str(record["asin"]).strip(), float(time)


def _item_text(file: Path, wanted: set[str], console: Console) -> dict[str, dict[str, str]]:
    """{asin: {title, brand, categories}} of the wanted items; the first line of an asin wins (2018 repeats some)."""
    text: dict[str, dict[str, str]] = {}
    for line_no, record in _records(file, console):
        asin = str(record.get("asin", "")).strip()
        if not asin:
            raise located(file, line_no, "no 'asin' in the metadata record")
        if asin in wanted and asin not in text:
            categories = record.get("categories", record.get("category", []))
            text[asin] = {"title": _clean(record.get("title")), "brand": _clean(record.get("brand")),
                          "categories": _categories(categories)}
    return text


def _categories(value: Any) -> str:
    """2014: [["Beauty", "Makeup", "Face"], [...]] → paths joined by "; "; 2018: ["Beauty", "Makeup"] → one path."""
    if not isinstance(value, list):
        return _clean(value)
    paths = value if all(isinstance(path, list) for path in value) else [value]
    return "; ".join(" > ".join(_clean(name) for name in path) for path in paths if path)


def _clean(value: Any) -> str:
    """One line of text: a missing value is "", tabs and line breaks become a space."""
    return "" if value is None else _LINE_BREAKS.sub(" ", str(value)).strip()


def _records(file: Path, console: Console) -> Iterator[tuple[int, dict]]:
    """(line, dict) of each non-blank line: JSON, else a Python literal; with progress by bytes read."""
    with ProgressLines(console, f"reading {file.name}", file.stat().st_size, "bytes") as progress:
        for line_no, line in enumerate(text_lines(file, progress.update), 1):
            if line.strip():
                yield line_no, _record(file, line_no, line)


def _record(file: Path, line_no: int, line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        try:
            record = ast.literal_eval(line.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise located(file, line_no, "neither JSON nor a Python literal") from None
    if not isinstance(record, dict):
        raise located(file, line_no, f"expected a record ({{...}}), got a {type(record).__name__}")
    return record


def _number(time: float) -> int | float:
    return int(time) if time.is_integer() else time


def _csv(header: list[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _recipe(name: str, reviews: Path, meta: Path | None, min_core: int, result: Prepared) -> str:
    sources = reviews.name + (f" and {meta.name}" if meta is not None else "")
    return f"""# Made by `sracl data prepare` from {sources} ({min_core}-core):
# {result.users:,} users, {result.items:,} items, {result.interactions:,} interactions. A recipe to start from:
# add the sections you want (recipes/quickstart.toml shows SRA-CL on the packaged MiniLM, no LLM).
name = {json.dumps(name)}

[data]
loader = "csv"
path = "{INTERACTIONS}"
user_column = "user_id"
item_column = "item_id"
timestamp_column = "timestamp"
items = "{ITEMS}"
text_fields = ["title"]
"""
