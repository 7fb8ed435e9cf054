"""`csv`: one interaction per row of a CSV, TSV or Parquet table, columns named in the recipe; string ids.

The dataset does not depend on the order of the rows: users are sorted by id (numerically when every user id
is an integer), each user's rows by timestamp, and item ids follow the first appearance of the items in that
table (as the official SRA-CL files were made). Sorting is stable, so rows with the same timestamp keep their
file order. Rows repeating an earlier (user, item, timestamp) are dropped. The loader counts what it dropped,
reordered and left tied, and the counts are shown with the data summary (`SequenceData.notes`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sracl_cli.data.dataset import LoaderSpec, SequenceData, from_user_sequences
from sracl_cli.data.loaders.common import (
    Header,
    Rows,
    is_int,
    item_text,
    located,
    require_interactions,
    shown,
    with_item_text,
)
from sracl_cli.data.loaders.csv_files import Format, format_of, read_table
from sracl_cli.paths import InputPath


class CsvConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: InputPath = Field(description="interaction table: .csv, .tsv, .parquet (.csv.gz, .tsv.gz)")
    format: Format | None = Field(None, description="csv | tsv | parquet; default: from the extension of `path`")
    delimiter: str | None = Field(None, description="one character; default ',' for csv, a tab for tsv")
    header: bool = Field(True, description="false: the file has no header line; name its columns in `columns`")
    columns: list[str] | None = Field(None, description="the column names of a file without a header line")
    user_column: str = "user_id"
    item_column: str = "item_id"
    timestamp_column: str = Field("timestamp", description='a number or an ISO 8601 date; "" keeps file order')
    duplicates: Literal["drop", "keep"] = Field("drop", description="rows repeating (user, item, timestamp)")
    items: InputPath | None = Field(None, description="item-text table (csv, tsv or parquet) with a header")
    items_id_column: str | None = Field(None, description="the item id column of `items`; default item_column")
    text_fields: list[str] | None = Field(None, description="columns of `items` used as item text; default all")

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, delimiter: str | None) -> str | None:
        if delimiter is not None and len(delimiter) != 1:
            raise ValueError(f"expected one character, got {shown(delimiter)}")
        return delimiter

    @model_validator(mode="after")
    def _consistent(self) -> CsvConfig:
        if self.format is None:
            self.format = _format_or_error(self.path, "format")
        if self.format == "parquet" and (self.delimiter is not None or not self.header):
            raise ValueError("delimiter and header = false are for csv and tsv files, not parquet")
        if self.header == (self.columns is not None):
            raise ValueError("a file without a header (header = false) needs `columns`, and only such a file")
        if self.items is not None:
            _format_or_error(self.items, "items")
        return self

    @property
    def item_key_column(self) -> str:
        return self.items_id_column or self.item_column


def _format_or_error(file: Path, key: str) -> Format:
    fmt = format_of(file)
    if fmt is None:
        raise ValueError(f"cannot tell the format of {file.name} from its extension (.csv, .tsv, .parquet, "
                         f".csv.gz, .tsv.gz){'; set format' if key == 'format' else ''}")
    return fmt


@dataclass
class Counts:
    """What `chronological` did to the rows; `drop_duplicates` says whether it drops repeated ones."""

    drop_duplicates: bool = True
    rows: int = 0
    duplicates: int = 0
    out_of_order: int = 0  # rows earlier than a row above them of the same user
    tied: int = 0  # rows with the timestamp of the row before them in their user's sorted sequence

    def note(self, file: Path, timestamps: bool) -> str:
        parts = [f"{self.duplicates:,} duplicate (user, item, timestamp) rows dropped"]
        if timestamps:
            parts += [f"{self.out_of_order:,} rows out of time order within their user (sorted by timestamp)",
                      f"{self.tied:,} rows tied with their user's previous timestamp (kept in file order)"]
        else:
            parts = ["no timestamp column: each user's rows in file order"]
        return f"{file.name}: {self.rows:,} rows, " + ", ".join(parts)


Interaction = tuple[str, str, float]  # (user, item, timestamp)
Timeline = list[tuple[str, float]]  # a user's (item, timestamp), oldest first


def load(config: CsvConfig, name: str) -> SequenceData:
    assert config.format is not None  # set by the validator
    header, rows = read_table(config.path, config.format, config.delimiter, config.columns)
    timestamps = bool(config.timestamp_column)
    counts = Counts(drop_duplicates=config.duplicates == "drop" and timestamps)
    users = chronological(_interactions(config, header, rows), counts)
    data = from_user_sequences(name, [(user, [item for item, _ in timeline]) for user, timeline in users])
    data = replace(data, notes=(counts.note(config.path, timestamps),))
    data = require_interactions(config.path, data)
    return data if config.items is None else _attach_items(data, config)


def _interactions(config: CsvConfig, header: Header, rows: Rows) -> Iterator[Interaction]:
    names = [config.user_column, config.item_column, config.timestamp_column]
    keys = ["user_column", "item_column", "timestamp_column"]
    at = [header.column(name, key) if name else -1 for name, key in zip(names, keys)]
    user_at, item_at, time_at = at
    for line_no, fields in rows:
        user, item = fields[user_at].strip(), fields[item_at].strip()
        stamp = fields[time_at].strip() if time_at >= 0 else "0"
        if not (user and item and stamp):
            empty = next(name for name, value in zip(names, (user, item, stamp)) if not value)
            raise located(header.file, line_no, f"column '{empty}' is empty")
        yield user, item, _timestamp(header.file, line_no, stamp)


def chronological(interactions: Iterable[Interaction], counts: Counts) -> list[tuple[str, Timeline]]:
    """Users sorted by id, each with its items sorted by timestamp (stable: ties keep their order); counted."""
    seen: set[Interaction] = set()
    by_user: dict[str, Timeline] = {}
    rows = duplicates = 0  # locals, not counts' attributes, in the loop over every row
    for interaction in interactions:
        rows += 1
        if counts.drop_duplicates:
            if interaction in seen:
                duplicates += 1
                continue
            seen.add(interaction)
        user, item, time = interaction
        by_user.setdefault(user, []).append((item, time))
    counts.rows += rows
    counts.duplicates += duplicates
    users = []
    for user in sorted(by_user, key=_user_order(by_user)):
        timeline = by_user[user]
        counts.out_of_order += _out_of_order(timeline)
        timeline.sort(key=lambda event: event[1])
        counts.tied += sum(a[1] == b[1] for a, b in zip(timeline, timeline[1:]))
        users.append((user, timeline))
    return users


def _out_of_order(timeline: Timeline) -> int:
    """Rows earlier than some row above them."""
    latest, late = -math.inf, 0
    for _, time in timeline:
        late += time < latest
        latest = max(latest, time)
    return late


def _user_order(by_user: dict[str, Timeline]):
    """Integers by value when every user id is one (so '10' follows '9'), else ids as strings."""
    if all(is_int(user) for user in by_user):
        return int
    return str


def _timestamp(file: Path, line_no: int, text: str) -> float:
    """Seconds: a number as it is, an ISO 8601 date or date-time (UTC unless it names its offset) converted."""
    try:
        value = float(text)
    except ValueError:
        value = _iso_seconds(text)
    if not math.isfinite(value):
        raise located(file, line_no, f"timestamp {shown(text)} is neither a number nor an ISO 8601 date")
    return value


def _iso_seconds(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return math.nan
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _attach_items(data: SequenceData, config: CsvConfig) -> SequenceData:
    assert config.items is not None
    fmt = format_of(config.items)
    assert fmt is not None  # checked by the validator
    header, rows = read_table(config.items, fmt)
    id_column = config.item_key_column
    header.column(id_column, "items_id_column")
    fields = config.text_fields if config.text_fields is not None else [n for n in header.names if n != id_column]
    return with_item_text(data, fields, item_text(header, rows, id_column, fields))


SPEC = LoaderSpec(
    config_model=CsvConfig,
    load=load,
    description="one interaction per row of a CSV, TSV or Parquet table; columns named in the recipe",
)
