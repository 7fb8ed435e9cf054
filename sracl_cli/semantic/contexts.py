"""Context sequences for item prompts: what users interacted with up to and including an item.

A candidate is a prefix t1..tj of a user's training part t1..t(n-2) with j >= 2 (at least one item before
t_j), so validation and test items never appear. Each item keeps up to `per_item` candidates that end with
it, drawn without replacement by `numpy.random.default_rng(seed)`, each cut to its last `context_len` items.
Everything is vectorised: Beauty's 131k candidates take a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.split import MIN_INTERACTIONS, concat_ranges


@dataclass(frozen=True)
class ItemContexts:
    """Item i's contexts are rows `item_offsets[i]:item_offsets[i + 1]`; row r is `data.items[start[r]:end[r]]`."""

    item_offsets: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def of_item(self, item: int) -> range:
        return range(int(self.item_offsets[item]), int(self.item_offsets[item + 1]))


def sample_contexts(data: SequenceData, per_item: int, context_len: int, seed: int) -> ItemContexts:
    lengths = data.lengths()
    users = np.flatnonzero(lengths >= MIN_INTERACTIONS)
    starts = data.offsets[users]
    ends_per_user = lengths[users] - 3  # t2..t(n-2)
    user_start = np.repeat(starts, ends_per_user)
    end_position = concat_ranges(starts + 1, ends_per_user)
    end_item = data.items[end_position]

    # Sorting by (item, random key) puts each item's candidates together in a random order; keep the first few.
    order = np.lexsort((np.random.default_rng(seed).random(len(end_position)), end_item))
    per_item_count = np.bincount(end_item, minlength=data.n_items + 1)
    group_start = np.cumsum(per_item_count) - per_item_count
    rank = np.arange(len(order)) - group_start[end_item[order]]
    kept = order[rank < per_item]

    item_offsets = np.concatenate([[0], np.cumsum(np.minimum(per_item_count, per_item))])
    return ItemContexts(
        item_offsets=item_offsets.astype(np.int64),
        start=np.maximum(user_start[kept], end_position[kept] + 1 - context_len),
        end=end_position[kept] + 1,
    )
