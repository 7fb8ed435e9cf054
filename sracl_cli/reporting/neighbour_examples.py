"""Examples of what semantic retrieval found, by title: items -> their nearest items, user units -> their
nearest units (the index stage's tables), each unit shown as the titles of its items in order.

Examples are chosen without randomness: the most interacted items (the ones a reader may know), and units
spread evenly over the table.
"""

from __future__ import annotations

import numpy as np

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.units import UserUnits

TITLE_FIELD = "title"


def item_names(data: SequenceData) -> list[str]:
    """Item i's title, else its first text field, else its id in the source file."""
    fields = [data.item_text[TITLE_FIELD]] if TITLE_FIELD in data.item_text else list(data.item_text.values())[:1]
    texts = fields[0] if fields else [""] * (data.n_items + 1)
    return [text or f"item {data.item_ids[i]}" for i, text in enumerate(texts)]


def item_examples(table: np.ndarray, data: SequenceData, count: int, k: int) -> list[dict]:
    names = item_names(data)
    popularity = np.bincount(data.items, minlength=data.n_items + 1)
    popularity[0] = -1  # padding
    picked = np.argsort(-popularity, kind="stable")[: min(count, data.n_items)]
    return [{"item": int(item), "id": data.item_ids[item], "title": names[item], "interactions": int(popularity[item]),
             "neighbours": [{"item": int(n), "title": names[n]} for n in table[item, :k]]} for item in picked]


def unit_examples(table: np.ndarray, units: UserUnits, data: SequenceData, count: int, k: int,
                  max_titles: int) -> list[dict]:
    names = item_names(data)
    picked = np.unique(np.linspace(0, len(units) - 1, min(count, len(units))).round().astype(np.int64))
    return [{**_unit(int(unit), units, data, names, max_titles),
             "neighbours": [_unit(int(n), units, data, names, max_titles) for n in table[unit, :k]]}
            for unit in picked]


def _unit(unit: int, units: UserUnits, data: SequenceData, names: list[str], max_titles: int) -> dict:
    """The unit's user and its last `max_titles` item titles (oldest first); `earlier` counts the ones left out."""
    items = units.items(unit, data)
    return {"unit": unit, "user": data.user_ids[units.user[unit]], "earlier": max(0, len(items) - max_titles),
            "titles": [names[item] for item in items[-max_titles:]]}
