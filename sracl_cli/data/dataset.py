"""The in-memory dataset every loader produces: chronological item sequences per user, plus item text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sracl_cli.registry import ConfigT, PluginSpec

PAD_ID = "[PAD]"


@dataclass(frozen=True)
class SequenceData:
    """Users' sequences in CSR form: user row u owns `items[offsets[u]:offsets[u + 1]]`.

    Item ids are 1..n_items (0 is padding). `user_ids[u]` / `item_ids[i]` keep the ids of the source file.
    `item_text[field][i]` is item i's text for that field ("" when unknown; index 0 is padding).
    `notes`: what the loader did to the file's rows (duplicates dropped, rows sorted), shown with the data summary.
    """

    name: str
    offsets: np.ndarray
    items: np.ndarray
    n_items: int
    user_ids: list[str]
    item_ids: list[str]
    item_text: dict[str, list[str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def n_users(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_interactions(self) -> int:
        return len(self.items)

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def sequence(self, user_row: int) -> np.ndarray:
        return self.items[self.offsets[user_row] : self.offsets[user_row + 1]]


@dataclass(frozen=True, kw_only=True)
class LoaderSpec(PluginSpec[ConfigT]):
    """What a `sracl.datasets` entry point provides.

    `config_model` validates the loader's own keys of the recipe's [data] section (paths arrive resolved);
    `load(config, name)` reads the files and returns a SequenceData, raising UsageError("file:line: why").
    """

    load: Callable[[ConfigT, str], SequenceData]


def from_user_sequences(
    name: str,
    sequences: list[tuple[str, list[str]]],
    item_text_by_key: dict[str, dict[str, str]] | None = None,
) -> SequenceData:
    """Build a SequenceData from (user key, chronological item keys) pairs.

    Item ids follow the order of first appearance, users keep the given order.
    `item_text_by_key` maps an item key to its text fields; fields of unknown items stay "".
    """
    item_index: dict[str, int] = {}
    flat: list[int] = []
    offsets = [0]
    for _, item_keys in sequences:
        for key in item_keys:
            flat.append(item_index.setdefault(key, len(item_index) + 1))
        offsets.append(len(flat))
    item_ids = [PAD_ID, *item_index]
    return SequenceData(
        name=name,
        offsets=np.asarray(offsets, dtype=np.int64),
        items=np.asarray(flat, dtype=np.int64),
        n_items=len(item_index),
        user_ids=[user for user, _ in sequences],
        item_ids=item_ids,
        item_text=_text_table(item_ids, item_text_by_key or {}),
    )


def _text_table(item_ids: list[str], text_by_key: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    fields = sorted({name for fields in text_by_key.values() for name in fields})
    return {
        f: ["" if i == 0 else text_by_key.get(key, {}).get(f, "") for i, key in enumerate(item_ids)] for f in fields
    }
