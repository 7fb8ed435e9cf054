"""Sequence samples (`train.samples = "sequence"`) on the packaged quickstart data: the windows train every
(prefix, target) pair of prefix mode once, and with positions counted from the first item (dropout off) the
state at each position is that prefix's own encoding, so the next-item loss of the windows equals prefix mode's."""

from pathlib import Path

import numpy as np
import pytest
import torch

from sracl_cli.data.sequences import sequence_samples
from sracl_cli.experiment import Experiment
from sracl_cli.models.gru4rec import GRU4RecConfig
from sracl_cli.models.gru4rec_network import GRU4Rec
from sracl_cli.models.protocol import next_item_loss, sequence_rec_loss
from sracl_cli.models.sasrec import SASRecConfig
from sracl_cli.models.sasrec_network import SASRec
from sracl_cli.recipe import load_recipe
from sracl_cli.training.batches import TrainingSet

MAX_LEN = 20
QUICKSTART = Path(__file__).resolve().parents[2] / "recipes" / "quickstart.toml"


@pytest.fixture(scope="module")
def exp():
    return Experiment.from_recipe(load_recipe(QUICKSTART))


def _pairs(windows):
    has_target = windows.targets > 0
    users = np.broadcast_to(windows.users[:, None], windows.targets.shape)[has_target]
    return sorted(zip(users.tolist(), (windows.positions[has_target] + 1).tolist()))


@pytest.mark.parametrize("stride", [1, 5, 20])
def test_every_prefix_pair_is_trained_once(exp, stride):
    windows = sequence_samples(exp.data, MAX_LEN, stride)
    train = exp.split.train
    assert _pairs(windows) == sorted(zip(train.users.tolist(), train.history_end.tolist()))
    has_target = windows.targets > 0
    assert np.array_equal(windows.targets[has_target], exp.data.items[windows.positions[has_target] + 1])
    assert len(windows) < len(train)  # one row per user, plus the windows of long users


def test_long_parts_are_cut_into_windows_that_keep_context(exp):
    stride = 5
    windows = sequence_samples(exp.data, MAX_LEN, stride)
    long_user = np.bincount(windows.users).argmax()
    rows = np.flatnonzero(windows.users == long_user)
    assert len(rows) > 1
    part = exp.data.lengths()[long_user] - 2
    assert len(rows) == 1 + -(-(part - MAX_LEN) // stride)
    for row in rows[1:]:  # later windows count only their last `stride` (or fewer) positions
        counted = np.flatnonzero(windows.counted[row])
        assert counted.min() >= MAX_LEN - stride and counted.max() == MAX_LEN - 1


def _sasrec(positions):
    torch.manual_seed(0)
    config = SASRecConfig(positions=positions, dropout=0.0, attn_dropout=0.0)
    return SASRec(config, n_items=7216, max_len=MAX_LEN).eval()


@pytest.mark.parametrize(
    "backbone", [lambda: _sasrec("from_first"), lambda: GRU4Rec(GRU4RecConfig(dropout=0.0), 7216)],
    ids=["sasrec", "gru4rec"],
)
def test_with_stride_1_the_sequence_loss_equals_the_prefix_loss(exp, backbone):
    model = backbone().eval()
    windows = sequence_samples(exp.data, MAX_LEN, stride=1)
    train = exp.split.train
    with torch.no_grad():
        sequence = sequence_rec_loss(model.sequence_states(torch.from_numpy(windows.inputs)),
                                     model.item_embeddings(), torch.from_numpy(windows.targets))
        prefix = next_item_loss(model.encode(torch.from_numpy(train.inputs)), model.item_embeddings(),
                                torch.from_numpy(train.targets))
    assert sequence.item() == pytest.approx(prefix.item(), abs=1e-5)


def test_padded_positions_make_the_states_differ_from_the_prefix_encodings(exp):
    """Why `from_first` exists: with the official column positions a prefix inside a row is not at L-1."""
    windows = sequence_samples(exp.data, MAX_LEN, stride=1)
    first_row = torch.from_numpy(windows.inputs[:1])
    n = int((first_row > 0).sum())
    prefix = torch.zeros_like(first_row)
    prefix[0, -2:] = first_row[0, MAX_LEN - n: MAX_LEN - n + 2]
    for positions, equal in (("from_first", True), ("padded", False)):
        model = _sasrec(positions)
        with torch.no_grad():
            state = model.sequence_states(first_row)[0, MAX_LEN - n + 1]
            alone = model.encode(prefix)[0]
        assert torch.allclose(state, alone, atol=1e-5) == equal


def test_batches_by_targets_hold_about_batch_size_targets(exp):
    windows = sequence_samples(exp.data, MAX_LEN, stride=5)
    training_set = TrainingSet.of_sequences(windows, "targets")
    batches = training_set.batches(torch.Generator().manual_seed(0), 256)
    assert sorted(torch.cat(batches).tolist()) == list(range(len(windows)))
    sizes = [int(training_set.sizes[rows].sum()) for rows in batches]
    longest = int(training_set.sizes.max())
    assert all(abs(size - 256) < longest for size in sizes[:-1]) and sizes[-1] < 256 + longest
    assert len(batches) == training_set.n_batches(256)
    by_rows = TrainingSet.of_sequences(windows, "sequences").batches(torch.Generator().manual_seed(0), 256)
    assert [len(rows) for rows in by_rows[:-1]] == [256] * (len(by_rows) - 1)
