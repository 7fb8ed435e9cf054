"""Iterative k-core filter: drop users and items with fewer than k interactions until none is left."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sracl_cli.data.dataset import SequenceData


def kcore(data: SequenceData, k: int) -> SequenceData:
    """Every remaining user and item has >= k interactions; item ids are compacted, keeping their order."""
    if k <= 1:
        return data
    return _subset(data, _user_of(data), core_mask(data, k))


def core_mask(data: SequenceData, k: int) -> np.ndarray:
    """Which of `data.items` the k-core keeps (for callers that carry more per interaction, e.g. timestamps)."""
    return _core_mask(_user_of(data), data.items, data.n_users, data.n_items + 1, k)


def _user_of(data: SequenceData) -> np.ndarray:
    return np.repeat(np.arange(data.n_users), data.lengths())


def _core_mask(user_of: np.ndarray, items: np.ndarray, n_users: int, n_item_slots: int, k: int) -> np.ndarray:
    """Interactions that survive; removing one side can push the other below k, hence the loop."""
    keep = np.ones(len(items), dtype=bool)
    while True:
        user_counts = np.bincount(user_of[keep], minlength=n_users)
        item_counts = np.bincount(items[keep], minlength=n_item_slots)
        survivors = keep & (user_counts[user_of] >= k) & (item_counts[items] >= k)
        if np.array_equal(survivors, keep):
            return keep
        keep = survivors


def _subset(data: SequenceData, user_of: np.ndarray, keep: np.ndarray) -> SequenceData:
    kept_users = np.flatnonzero(np.bincount(user_of[keep], minlength=data.n_users))
    kept_items = np.flatnonzero(np.bincount(data.items[keep], minlength=data.n_items + 1))
    new_item_id = np.zeros(data.n_items + 1, dtype=np.int64)
    new_item_id[kept_items] = np.arange(1, len(kept_items) + 1)
    lengths = np.bincount(user_of[keep], minlength=data.n_users)[kept_users]
    item_slots = [0, *kept_items.tolist()]
    return replace(
        data,
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        items=new_item_id[data.items[keep]],
        n_items=len(kept_items),
        user_ids=[data.user_ids[u] for u in kept_users.tolist()],
        item_ids=[data.item_ids[i] for i in item_slots],
        item_text={field: [texts[i] for i in item_slots] for field, texts in data.item_text.items()},
    )
