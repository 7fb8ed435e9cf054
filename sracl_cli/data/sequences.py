"""Sequence-level training samples (`train.samples = "sequence"`): one input per user instead of one per prefix.

A user's training part t1..t(n-2) is one left-padded row; position p (the item t(p+1)) has the target t(p+2),
so the row trains every (prefix, next item) pair of `prefix` mode in one encoder pass. The last position (t(n-2))
has no target (its next item is the validation item) but its state is the encoding of the whole training part,
which SRA-CL's neighbour bank reads.

A training part longer than `max_len` is cut into windows of `max_len` items: the first covers positions
0..max_len-1, each next one ends `stride` positions later (the last one at the end of the part), and a window
counts only the positions the previous one did not reach. Every pair is thus trained exactly once per epoch,
with at least `max_len - stride + 1` items of context (prefix mode: `max_len`); stride 1 gives prefix mode's
context at prefix mode's cost for those users.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.split import MIN_INTERACTIONS, concat_ranges

NO_TARGET = 0


@dataclass(frozen=True)
class SequenceSamples:
    """Windows [W, max_len] (left-padded), next-item targets at each position (0: none), and for each window
    its user row and the flat position (index into `data.items`) of each input item (-1: padding).

    `counted[w, p]` is True where window w trains position p: its target (if any) and, for SRA-CL, its state.
    """

    inputs: np.ndarray
    targets: np.ndarray
    users: np.ndarray
    positions: np.ndarray
    counted: np.ndarray

    def __len__(self) -> int:
        return len(self.users)

    @property
    def n_targets(self) -> int:
        return int((self.targets != NO_TARGET).sum())

    def targets_per_row(self) -> np.ndarray:
        return (self.targets != NO_TARGET).sum(axis=1)


def sequence_samples(data: SequenceData, max_len: int, stride: int) -> SequenceSamples:
    lengths = data.lengths()
    users = np.flatnonzero(lengths >= MIN_INTERACTIONS + 1)  # at least one (prefix, target) pair
    part = lengths[users] - 2  # t1..t(n-2)
    starts = data.offsets[users]
    extra = np.maximum(part - max_len, 0)
    windows_per_user = 1 + -(-extra // stride)
    user_of_window = np.repeat(np.arange(len(users)), windows_per_user)
    index_in_user = concat_ranges(np.zeros(len(users), dtype=np.int64), windows_per_user)
    part_w = part[user_of_window]
    end = np.minimum(np.minimum(part_w, max_len) + index_in_user * stride, part_w)  # exclusive, in part positions
    previous_end = np.where(index_in_user == 0, 0, np.minimum(max_len + (index_in_user - 1) * stride, part_w))
    column = end[:, None] - max_len + np.arange(max_len)  # part position of each column
    real = column >= 0
    flat = np.where(real, starts[user_of_window][:, None] + column, -1)
    inputs = np.where(real, data.items[np.maximum(flat, 0)], 0)
    counted = real & (column >= previous_end[:, None])
    has_target = counted & (column < (part_w - 1)[:, None])
    targets = np.where(has_target, data.items[np.minimum(np.maximum(flat, 0) + 1, len(data.items) - 1)], NO_TARGET)
    return SequenceSamples(
        inputs=inputs.astype(np.int64),
        targets=targets.astype(np.int64),
        users=users[user_of_window].astype(np.int64),
        positions=flat.astype(np.int64),
        counted=counted,
    )
