"""Tables in CSV, TSV or Parquet (CSV and TSV optionally gzip-compressed), read as a header and located rows.

Every row comes as `(line number, fields)` with one string per column, so the checks and messages of
loaders/common.py apply to all three formats. A Parquet row is numbered as the line it would be in the table
written out as CSV with its header (row 1 = line 2), and a Parquet null reads as "" like an empty CSV field.
CSV follows RFC 4180 quoting; TSV has none (a `"` is text), as the tab-separated files of the other loaders.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from sracl_cli.data.loaders.common import Header, Rows, header_line, located, table_header
from sracl_cli.errors import UsageError

Format = Literal["csv", "tsv", "parquet"]
FORMATS: dict[str, Format] = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet"}
DELIMITERS = {"csv": ",", "tsv": "\t"}
PARQUET_EXTRA = "pip install 'sracl[parquet]'"
PROGRESS_LINES = 10_000

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # item descriptions can exceed the default 128 KiB


def format_of(file: Path) -> Format | None:
    """The format its extension names (`.csv`, `.tsv`, `.tab`, `.parquet`, `.pq`; text ones may end in `.gz`)."""
    suffixes = [suffix.lower() for suffix in file.suffixes]
    compressed = suffixes[-1:] == [".gz"]
    fmt = FORMATS.get(suffixes[-2 if compressed else -1] if len(suffixes) > compressed else "")
    return None if compressed and fmt == "parquet" else fmt


def read_table(file: Path, fmt: Format, delimiter: str | None = None, columns: list[str] | None = None
               ) -> tuple[Header, Rows]:
    """The table's header and rows; `columns` names the columns of a text file that has no header line."""
    if fmt == "parquet":
        return _parquet_table(file)
    records = _records(file, delimiter or DELIMITERS[fmt], quoted=fmt == "csv")
    if columns is None:
        columns = header_line(file, records)[1]
    header = table_header(file, 1, list(columns))
    return header, _width_checked(header, records)


def _width_checked(header: Header, records: Rows) -> Rows:
    width = len(header.names)
    for line_no, fields in records:
        if len(fields) < width:
            missing = header.names[len(fields)]
            raise located(header.file, line_no, f"no value for column '{missing}' (the row has {len(fields)} of "
                                                f"{width} fields)")
        if len(fields) > width:
            raise located(header.file, line_no, f"expected {width} fields, got {len(fields)}")
        yield line_no, fields


def _records(file: Path, delimiter: str, quoted: bool) -> Rows:
    """Non-blank records, each numbered by the line it starts on (a quoted field may span lines)."""
    reader = csv.reader(text_lines(file), delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
                        strict=quoted)
    start = 1
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                yield start, fields
            start = reader.line_num + 1
    except csv.Error as error:
        raise located(file, start, f"not a valid {'CSV' if quoted else 'TSV'} record: {error}") from None


def text_lines(file: Path, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """Decoded lines, each checked on its own so a bad byte is named with its line; a UTF-8 BOM is dropped.

    `progress(bytes read from the file)` is called every PROGRESS_LINES lines and at the end.
    """
    try:
        with open(file, "rb") as raw, (gzip.GzipFile(fileobj=raw) if _gzipped(file) else raw) as handle:
            for line_no, line in enumerate(handle, 1):
                if line_no == 1:
                    line = line.removeprefix(codecs.BOM_UTF8)
                if progress is not None and line_no % PROGRESS_LINES == 0:
                    progress(raw.tell())
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise located(file, line_no, f"not UTF-8 text ({error.reason} at byte {error.start} of the "
                                                 "line)") from None
            if progress is not None:
                progress(raw.tell())
    except OSError as error:  # unreadable, or not gzip data (gzip.BadGzipFile)
        raise UsageError(f"{file}: cannot read: {error.strerror or error}") from None
    except EOFError:
        raise UsageError(f"{file}: cannot read: the gzip data ends too early (a cut download?)") from None


def _gzipped(file: Path) -> bool:
    return file.suffix.lower() == ".gz"


def _parquet_table(file: Path) -> tuple[Header, Rows]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(f"{file.name}: reading Parquet needs pyarrow: {PARQUET_EXTRA}") from None
    try:
        table = pq.read_table(file)
    except Exception as error:  # pyarrow's ArrowInvalid / OSError for a file that is not Parquet
        raise UsageError(f"{file.name}: not a readable Parquet file: {error}") from None
    header = table_header(file, 1, list(table.column_names))
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = ((row + 2, ["" if value is None else str(value) for value in values])
            for row, values in enumerate(zip(*columns)))
    return header, rows
