"""What every loader shares: located lines and fields, integer fields, headed tables, item text, CSR arrays.

Every problem in a file becomes UsageError("file:line: reason"); a UTF-8 byte-order mark at the start of a file
is dropped, and tokens quoted in messages show invisible characters escaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.data.dataset import PAD_ID, SequenceData
from sracl_cli.errors import UsageError
from sracl_cli.paths import InputPath

Rows = Iterator[tuple[int, list[str]]]  # (line number, fields)

MAX_DIGITS = 18  # an integer id fits int64; longer digit strings are not ids (and int() refuses 4,300+ digits)
MAX_ITEM_ID = 10_000_000  # file ids are kept as they are, so the catalogue is 1..max id: a bigger one is a wrong file
SHOWN_CHARS = 40


def located(file: Path, line_no: int, reason: str) -> UsageError:
    return UsageError(f"{file.name}:{line_no}: {reason}")


def shown(token: str) -> str:
    """`token` quoted for a message: cut to SHOWN_CHARS, invisible characters (a BOM, tabs, ...) escaped."""
    cut = token[:SHOWN_CHARS] + ("..." if len(token) > SHOWN_CHARS else "")
    visible = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cut)
    return f"'{visible}'"


def read_fields(file: Path, sep: str | None = None) -> Rows:
    """(line number, fields) of each non-blank line; sep None = any whitespace."""
    try:
        with file.open(encoding="utf-8-sig") as handle:
            for line_no, line in enumerate(handle, 1):
                line = line.rstrip("\r\n")
                if line.strip():
                    yield line_no, line.split(sep)
    except UnicodeDecodeError:
        raise _not_utf8(file) from None
    except OSError as error:
        raise UsageError(f"{file}: cannot read: {error.strerror}") from None


def _not_utf8(file: Path) -> UsageError:
    """The decoder reads in blocks, so the failing line is found again from the bytes."""
    raw = file.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_no = raw[: error.start].count(b"\n") + 1
        return located(file, line_no, f"not UTF-8 text ({error.reason} at byte {error.start})")
    return UsageError(f"{file.name}: not UTF-8 text")


def is_int(token: str) -> bool:
    return token.isascii() and token.isdigit() and len(token) <= MAX_DIGITS


def int_fields(file: Path, line_no: int, fields: list[str], count: int, what: str) -> list[int]:
    """Exactly `count` integers, else 'file:line: expected <count> integers (<what>), got ...'."""
    if len(fields) != count:
        raise located(file, line_no, f"expected {count} integers ({what}), got {len(fields)} fields")
    for token in fields:
        if not (is_int(token) or (token[:1] == "-" and is_int(token[1:]))):
            raise located(file, line_no, f"expected {count} integers ({what}), got {shown(token)}")
    return [int(token) for token in fields]


def check_item_id(file: Path, line_no: int, item: int, first: int = 1) -> None:
    """A file id kept as the item id: at least `first` (1-based ids; 0-based indexes), at most MAX_ITEM_ID."""
    if item < first:
        padding = " (ids start at 1; 0 is padding)" if first == 1 else ""
        raise located(file, line_no, f"item id {item} is below {first}{padding}")
    if item > MAX_ITEM_ID - 1 + first:
        raise located(file, line_no, f"item id {item} is above {MAX_ITEM_ID:,}: ids are kept as they are, so they "
                      "must number the items from 1 (renumber them, or key items by name with the user-seq loader)")


@dataclass(frozen=True)
class Header:
    """A table's first line. RecBole atomic files write `name:type`; plain TSV files only `name`."""

    file: Path
    names: list[str]
    types: list[str]

    def column(self, name: str, key: str = "") -> int:
        if name not in self.names:
            origin = f" ({key})" if key else ""
            raise located(self.file, 1, f"no column '{name}'{origin}; columns: {', '.join(self.names)}")
        return self.names.index(name)


def read_table(file: Path) -> tuple[Header, Rows]:
    """A tab-separated file with a header line; each row is checked to have the header's field count."""
    lines = read_fields(file, sep="\t")
    line_no, columns = header_line(file, lines)
    names, types = zip(*(column.partition(":")[::2] for column in columns))
    header = table_header(file, line_no, list(names), list(types))
    return header, _checked_rows(header, lines)


def header_line(file: Path, rows: Rows) -> tuple[int, list[str]]:
    """The first row of `rows` (the header), or the error of an empty file."""
    first = next(rows, None)
    if first is None:
        raise located(file, 1, "expected a header line, the file is empty")
    return first


def table_header(file: Path, line_no: int, names: list[str], types: list[str] | None = None) -> Header:
    """The header of a table whose columns are `names`; a name given twice is an error at `line_no`."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise located(file, line_no, f"column {shown(repeated[0])} appears more than once in the header")
    return Header(file, names, types if types is not None else [""] * len(names))


def _checked_rows(header: Header, lines: Rows) -> Rows:
    width = len(header.names)
    for line_no, fields in lines:
        if len(fields) != width:
            raise located(header.file, line_no, f"expected {width} tab-separated fields, got {len(fields)}")
        yield line_no, fields


def item_text(header: Header, rows: Rows, id_column: str, text_fields: list[str]) -> dict[str, dict[str, str]]:
    """{item key: {field: text}} for the chosen text columns of a headed table; an item key may have one row."""
    key_at = header.column(id_column)
    field_at = {name: header.column(name, "text_fields") for name in text_fields}
    text: dict[str, dict[str, str]] = {}
    line_of: dict[str, int] = {}
    for line_no, fields in rows:
        key = fields[key_at]
        if key in line_of:
            where = f"{header.file.name}:{line_of[key]}"
            raise located(header.file, line_no, f"item {shown(key)} already has a row ({where}); keep one of them")
        line_of[key] = line_no
        text[key] = {name: fields[i].strip() for name, i in field_at.items()}
    return text


def read_item_tsv(file: Path, text_fields: list[str] | None) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Item-text TSV (header; first column = item id): the fields used (default all but the id) and the text."""
    header, rows = read_table(file)
    fields = text_fields if text_fields is not None else header.names[1:]
    return fields, item_text(header, rows, header.names[0], fields)


def with_item_text(data: SequenceData, fields: list[str], text_by_key: dict[str, dict[str, str]]) -> SequenceData:
    """`data` with item text looked up by its item ids; items absent from the table get ""."""
    table = {
        name: ["" if i == 0 else text_by_key.get(key, {}).get(name, "") for i, key in enumerate(data.item_ids)]
        for name in fields
    }
    return replace(data, item_text=table)


def from_integer_ids(
    name: str, user_ids: list[str], lengths: list[int], items: list[int], n_items: int | None = None
) -> SequenceData:
    """Sequences whose item ids are the file's own 1-based integers: item i of the file is id i."""
    n_items = max(items, default=0) if n_items is None else n_items
    return SequenceData(
        name=name,
        offsets=np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64),
        items=np.asarray(items, dtype=np.int64),
        n_items=n_items,
        user_ids=user_ids,
        item_ids=[PAD_ID, *map(str, range(1, n_items + 1))],
    )


class SequenceFileConfig(BaseModel):
    """[data] keys of the loaders reading one interaction file plus an optional item-text TSV."""

    model_config = ConfigDict(extra="forbid")

    path: InputPath = Field(description="interaction file")
    items: InputPath | None = Field(None, description="item-text TSV: header, first column = item id")
    text_fields: list[str] | None = Field(None, description="columns of `items` used as item text; default all")


def attach_item_tsv(data: SequenceData, config: SequenceFileConfig) -> SequenceData:
    if config.items is None:
        return data
    fields, text = read_item_tsv(config.items, config.text_fields)
    return with_item_text(data, fields, text)


def require_interactions(file: Path, data: SequenceData) -> SequenceData:
    if data.n_interactions == 0:
        raise UsageError(f"{file.name}: no interactions found")
    return data


TEXT_TYPES = ("token", "token_seq")  # RecBole atomic-file column types that hold text


def text_columns(header: Header, id_column: str) -> list[str]:
    """Default item text of an atomic file: every token / token_seq column but the id."""
    return [name for name, kind in zip(header.names, header.types) if kind in TEXT_TYPES and name != id_column]
