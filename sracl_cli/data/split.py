"""Leave-one-out split and sliding-window training samples, exactly as the paper.

For a user with items t1..tn: training part t1..t(n-2); validation target t(n-1); test target tn.
Training samples: every prefix of the training part, cut to the last `max_len` items, next item as target.
All windows are left-padded with 0 and built with vectorised numpy (no per-sample Python).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sracl_cli.data.dataset import SequenceData

MIN_INTERACTIONS = 3  # one to train on, one to validate, one to test


@dataclass(frozen=True)
class Samples:
    """Model inputs [N, max_len] (left-padded), next-item targets [N], and which user row each came from.

    `history_end[i]` is the flat position of the target: the user's items before it are
    `data.items[data.offsets[users[i]]:history_end[i]]` (used to mask seen items at evaluation).
    """

    inputs: np.ndarray
    targets: np.ndarray
    users: np.ndarray
    history_end: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)


@dataclass(frozen=True)
class Split:
    train: Samples
    valid: Samples
    test: Samples
    skipped_users: int  # users with fewer than MIN_INTERACTIONS items


def leave_one_out(data: SequenceData, max_len: int) -> Split:
    lengths = data.lengths()
    users = np.flatnonzero(lengths >= MIN_INTERACTIONS)
    starts, ends = data.offsets[users], data.offsets[users + 1]
    n_train_samples = lengths[users] - 3  # targets t2..t(n-2)
    train_users = np.repeat(users, n_train_samples)
    train_positions = concat_ranges(starts + 1, n_train_samples)
    return Split(
        train=_samples(data, train_users, train_positions, max_len),
        valid=_samples(data, users, ends - 2, max_len),
        test=_samples(data, users, ends - 1, max_len),
        skipped_users=int(data.n_users - len(users)),
    )


def left_padded_windows(items: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_len: int) -> np.ndarray:
    """Row i = the last `max_len` items of `items[starts[i]:ends[i]]`, left-padded with 0."""
    window = ends[:, None] - max_len + np.arange(max_len)
    inside = window >= starts[:, None]
    return np.where(inside, items[np.maximum(window, 0)], 0).astype(np.int64)


def _samples(data: SequenceData, users: np.ndarray, target_positions: np.ndarray, max_len: int) -> Samples:
    return Samples(
        inputs=left_padded_windows(data.items, data.offsets[users], target_positions, max_len),
        targets=data.items[target_positions].astype(np.int64),
        users=users.astype(np.int64),
        history_end=target_positions.astype(np.int64),
    )


def concat_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + c) for each (s, c), without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    group_start = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + (np.arange(total) - group_start)
