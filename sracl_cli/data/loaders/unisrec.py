"""`unisrec`: UniSRec / CoWPiRec split files `<prefix>.{train,valid,test}.inter`, `.item2index`, `.text`.

A user's full sequence is its test row: history + target. Item index i (0-based) becomes id i + 1, so ids
stay aligned with `.item2index`; item text comes from `.text` (asin -> text) through that index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sracl_cli.data.dataset import PAD_ID, LoaderSpec, SequenceData
from sracl_cli.data.loaders.common import (
    check_item_id,
    from_integer_ids,
    is_int,
    item_text,
    located,
    read_fields,
    read_table,
    require_interactions,
    shown,
    text_columns,
    with_item_text,
)
from sracl_cli.paths import OutputPath


def split_file(prefix: Path, part: str) -> Path:
    return prefix.with_name(f"{prefix.name}.{part}")


def _has_test_split(prefix: Path) -> Path:
    test = split_file(prefix, "test.inter")
    if not test.is_file():
        raise ValueError(f"file not found: {test} (path is the prefix of the UniSRec files, e.g. .../Scientific)")
    return prefix


# A prefix, not a file: resolved like any recipe path, then checked through its test split.
PrefixPath = Annotated[OutputPath, AfterValidator(_has_test_split)]


class UniSRecConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: PrefixPath = Field(description="prefix of the split files, e.g. ${SRACL_DATA}/.../Scientific")
    text_fields: list[str] | None = Field(None, description="columns of <prefix>.text; default all text columns")


@dataclass(frozen=True)
class Row:
    line_no: int
    user: str
    history: list[int]
    target: int


def load(config: UniSRecConfig, name: str) -> SequenceData:
    test_file, valid_file = split_file(config.path, "test.inter"), split_file(config.path, "valid.inter")
    rows = _read_rows(test_file)
    if valid_file.is_file():
        _check_valid_rows(valid_file, test_file, rows)
    asins = _read_item_index(split_file(config.path, "item2index"))
    sequences = [[*row.history, row.target] for row in rows.values()]
    ids = [index + 1 for sequence in sequences for index in sequence]
    n_items = max(len(asins), max(ids, default=0))
    data = from_integer_ids(name, list(rows), [len(sequence) for sequence in sequences], ids, n_items)
    data = replace(data, item_ids=[PAD_ID, *(asins.get(index, str(index)) for index in range(n_items))])
    data = require_interactions(test_file, data)
    return _attach_text(data, split_file(config.path, "text"), config.text_fields)


def _read_rows(file: Path) -> dict[str, Row]:
    """One row per user: `user  history indexes  target index`."""
    header, lines = read_table(file)
    user_at, history_at, target_at = (header.column(c) for c in ("user_id", "item_id_list", "item_id"))
    rows: dict[str, Row] = {}
    for line_no, fields in lines:
        user = fields[user_at]
        if user in rows:
            raise located(file, line_no, f"user {shown(user)} already has a row ({file.name}:{rows[user].line_no})")
        history = fields[history_at].split()
        if not all(map(is_int, [*history, fields[target_at]])):
            raise located(file, line_no, "expected 0-based integer item indexes")
        indexes = [int(i) for i in [*history, fields[target_at]]]
        for index in indexes:
            check_item_id(file, line_no, index, first=0)
        rows[user] = Row(line_no, user, indexes[:-1], indexes[-1])
    return rows


def _check_valid_rows(valid_file: Path, test_file: Path, test_rows: dict[str, Row]) -> None:
    """Each validation target must be the last history item of the user's test row."""
    for row in _read_rows(valid_file).values():
        test = test_rows.get(row.user)
        if test is None:
            raise located(valid_file, row.line_no, f"user '{row.user}' has no row in {test_file.name}")
        if not test.history or test.history[-1] != row.target:
            where = f"{test_file.name}:{test.line_no}"
            raise located(valid_file, row.line_no, f"target {row.target} is not the last history item of {where}")


def _read_item_index(file: Path) -> dict[int, str]:
    """{0-based index: asin} from `asin  index` lines; empty when the file is absent."""
    if not file.is_file():
        return {}
    asins: dict[int, str] = {}
    line_of: dict[int, int] = {}
    for line_no, fields in read_fields(file, sep="\t"):
        if len(fields) != 2 or not is_int(fields[1]):
            raise located(file, line_no, "expected 'item<TAB>index'")
        index = int(fields[1])
        check_item_id(file, line_no, index, first=0)
        if index in line_of:
            raise located(file, line_no, f"index {index} already has a line ({file.name}:{line_of[index]})")
        line_of[index] = line_no
        asins[index] = fields[0]
    return asins


def _attach_text(data: SequenceData, file: Path, text_fields: list[str] | None) -> SequenceData:
    if not file.is_file():
        return data
    header, rows = read_table(file)
    id_column = header.names[0]
    fields = text_fields if text_fields is not None else text_columns(header, id_column)
    return with_item_text(data, fields, item_text(header, rows, id_column, fields))


SPEC = LoaderSpec(
    config_model=UniSRecConfig,
    load=load,
    description="UniSRec split files (train/valid/test .inter, item2index, text)",
)
