"""User units: the pieces of user history that get an LLM summary, an embedding and neighbours.

`prefix` (the paper's code): one unit per model input, i.e. per prefix t1..tj of a user's sequence for
j = 1..n-1, cut to its last `max_len` items. Training samples use j = 1..n-3, validation j = n-2, test j = n-1.
The prefix j = n-1 contains the validation item, so it is outside the default ("train") neighbour pool.
`user`: one unit per user, its training part t1..t(n-2) (cut to the last `max_len` items).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.split import MIN_INTERACTIONS, Samples, concat_ranges


@dataclass(frozen=True)
class UserUnits:
    """Unit i covers `data.items[start[i]:end[i]]` of user row `user[i]`."""

    mode: str
    user: np.ndarray
    start: np.ndarray
    end: np.ndarray
    in_train_pool: np.ndarray  # False where the unit contains a validation or test item

    def __len__(self) -> int:
        return len(self.user)

    def items(self, unit: int, data: SequenceData) -> np.ndarray:
        return data.items[self.start[unit] : self.end[unit]]

    def unit_of(self, samples: Samples, data: SequenceData) -> np.ndarray:
        """The unit whose items are each sample's input (prefix mode) or the sample's user (user mode)."""
        if self.mode == "user":
            return np.searchsorted(self.user, samples.users)
        first_unit = np.searchsorted(self.user, samples.users)
        return first_unit + (samples.history_end - data.offsets[samples.users] - 1)


    def unit_at_positions(self, positions: np.ndarray, users: np.ndarray, data: SequenceData) -> np.ndarray:
        """For sequence windows (flat `positions` [W, L], -1 padding; `users` [W]): the unit each position's state
        encodes, -1 where none — the prefix ending there (prefix mode) or, in user mode, the user's unit at the
        last item of its training part."""
        first_unit = np.searchsorted(self.user, users)[:, None]
        offset = positions - data.offsets[users][:, None]
        if self.mode == "user":
            last = (self.end[first_unit] - 1) == positions
            return np.where(last, first_unit, -1)
        return np.where(positions >= 0, first_unit + offset, -1)


def user_units(data: SequenceData, mode: str, max_len: int) -> UserUnits:
    lengths = data.lengths()
    users = np.flatnonzero(lengths >= MIN_INTERACTIONS)
    starts = data.offsets[users]
    if mode == "user":
        ends = starts + lengths[users] - 2
        return UserUnits(mode, users, np.maximum(starts, ends - max_len), ends, np.ones(len(users), dtype=bool))
    if mode != "prefix":
        raise ValueError(f"unknown user unit mode '{mode}'")
    per_user = lengths[users] - 1
    unit_users = np.repeat(users, per_user)
    ends = concat_ranges(starts + 1, per_user)
    user_starts = np.repeat(starts, per_user)
    in_train_pool = (ends - user_starts) <= np.repeat(per_user - 1, per_user)
    return UserUnits(mode, unit_users, np.maximum(user_starts, ends - max_len), ends, in_train_pool)
