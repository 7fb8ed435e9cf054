"""`recbole`: RecBole atomic files, a `.inter` table (`name:type` header, tab separated) and an optional `.item`.

Each user's interactions are sorted by time (stable); users keep their order of first appearance and item
ids follow the first appearance of item tokens in that (user, time)-sorted table, as RecBole does.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.data.dataset import LoaderSpec, SequenceData, from_user_sequences
from sracl_cli.data.loaders.common import (
    item_text,
    located,
    read_table,
    require_interactions,
    shown,
    text_columns,
    with_item_text,
)
from sracl_cli.paths import InputPath


class RecBoleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: InputPath = Field(description="the .inter atomic file")
    items: InputPath | None = Field(None, description="the .item atomic file holding item text")
    user_field: str = "user_id"
    item_field: str = "item_id"
    time_field: str | None = Field("timestamp", description="None keeps each user's file order")
    text_fields: list[str] | None = Field(None, description="columns of `items`; default all token/token_seq ones")


def load(config: RecBoleConfig, name: str) -> SequenceData:
    data = require_interactions(config.path, from_user_sequences(name, _read_sequences(config)))
    if config.items is None:
        return data
    header, rows = read_table(config.items)
    fields = config.text_fields if config.text_fields is not None else text_columns(header, config.item_field)
    return with_item_text(data, fields, item_text(header, rows, config.item_field, fields))


def _read_sequences(config: RecBoleConfig) -> list[tuple[str, list[str]]]:
    header, rows = read_table(config.path)
    user_at = header.column(config.user_field, "user_field")
    item_at = header.column(config.item_field, "item_field")
    time_at = None if config.time_field is None else header.column(config.time_field, "time_field")
    by_user: dict[str, list[tuple[float, str]]] = {}
    for line_no, fields in rows:
        time = 0.0 if time_at is None else _timestamp(config.path, line_no, fields[time_at])
        user, item = fields[user_at], fields[item_at]
        if not user.strip() or not item.strip():
            raise located(config.path, line_no, f"empty {config.user_field if not user.strip() else config.item_field}")
        by_user.setdefault(user, []).append((time, item))
    return [(user, _by_time(events)) for user, events in by_user.items()]


def _by_time(events: list[tuple[float, str]]) -> list[str]:
    return [item for _, item in sorted(events, key=lambda event: event[0])]  # stable: ties keep file order


def _timestamp(file: Path, line_no: int, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise located(file, line_no, f"timestamp {shown(text)} is not a finite number")
    return value


SPEC = LoaderSpec(config_model=RecBoleConfig, load=load, description="RecBole atomic files (.inter, optional .item)")
