"""The quickstart sample written as a CSV of string ids with timestamps, rows shuffled (for the csv tests)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from sracl_cli.paths import packaged_root

QUICKSTART = packaged_root() / "quickstart"
DAY = 86_400
START = 1_400_000_000


def quickstart_rows() -> list[tuple[str, str]]:
    """(user, item) of beauty_sample.txt in file order."""
    lines = (QUICKSTART / "beauty_sample.txt").read_text(encoding="utf-8").splitlines()
    return [(user, item) for user, item in (line.split() for line in lines)]


def quickstart_asins() -> dict[str, str]:
    """{item id: asin} from items.tsv."""
    lines = (QUICKSTART / "items.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {item: asin for item, asin, _ in (line.split("\t") for line in lines)}


def timed_events(users: int | None = None) -> list[tuple[str, str, int]]:
    """(string user id, asin, timestamp): one day apart within a user, in the sample's order."""
    asin = quickstart_asins()
    position: dict[str, int] = {}
    events = []
    for user, item in quickstart_rows():
        if users is not None and int(user) > users:
            break
        position[user] = position.get(user, 0) + 1
        events.append((f"u{int(user):04d}", asin[item], START + DAY * position[user]))
    return events


def shuffled(rows: list, seed: int = 2024) -> list:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


def write_csv(path: Path, header: list[str] | None, rows, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path
