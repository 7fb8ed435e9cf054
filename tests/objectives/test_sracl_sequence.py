"""SRA-CL on sequence samples, on the quickstart's real users and units (neighbour tables drawn at random: the
mechanics do not depend on which neighbours): which unit each position is, the one-pass bank refresh, and the
`live` owner pass that reads each neighbour unit's state from one encoding of its owner."""

from pathlib import Path

import numpy as np
import pytest
import torch

from sracl_cli.data.sequences import sequence_samples
from sracl_cli.data.split import left_padded_windows
from sracl_cli.data.units import user_units
from sracl_cli.experiment import Experiment
from sracl_cli.models.sasrec import SASRecConfig
from sracl_cli.models.sasrec_network import SASRec
from sracl_cli.objectives.infonce import nt_xent, one_way_infonce
from sracl_cli.objectives.protocol import ObjectiveContext
from sracl_cli.objectives.semantic_inputs import SemanticInputs
from sracl_cli.objectives.sracl import SRACLConfig, build
from sracl_cli.recipe import load_recipe
from sracl_cli.training.batches import TrainingSet
from sracl_cli.training.runtime import SingleProcess

QUICKSTART = Path(__file__).resolve().parents[2] / "recipes" / "quickstart.toml"
MAX_LEN, K = 20, 4


@pytest.fixture(scope="module")
def exp():
    return Experiment.from_recipe(load_recipe(QUICKSTART))


def _objective(exp, unit_mode, **config):
    units = user_units(exp.data, unit_mode, MAX_LEN)
    rng = np.random.default_rng(0)
    semantic = SemanticInputs(
        item_neighbors=rng.integers(1, exp.data.n_items + 1, size=(exp.data.n_items + 1, K)),
        user_neighbors=rng.integers(0, len(units), size=(len(units), K)),
        unit_embeddings=rng.normal(size=(len(units), 8)).astype(np.float32),
        units=units,
    )
    windows = sequence_samples(exp.data, MAX_LEN, stride=5)
    context = ObjectiveContext(exp.data, exp.split.train, MAX_LEN, 16, semantic, windows)
    return build(SRACLConfig(**config), context), windows, units


def _sasrec(exp):
    torch.manual_seed(0)
    config = SASRecConfig(hidden=16, inner=32, positions="from_first", dropout=0.0, attn_dropout=0.0)
    return SASRec(config, exp.data.n_items, MAX_LEN).eval()


def test_prefix_units_each_position_is_its_prefix_unit(exp):
    objective, windows, units = _objective(exp, "prefix", neighbor_encoding="bank")
    has_target = windows.targets > 0
    users = np.broadcast_to(windows.users[:, None], windows.targets.shape)[has_target]
    by_pair = dict(zip(zip(users.tolist(), (windows.positions[has_target] + 1).tolist()),
                       objective.anchor_units.numpy()[has_target].tolist()))
    train = exp.split.train
    expected = units.unit_of(train, exp.data)
    assert [by_pair[pair] for pair in zip(train.users.tolist(), train.history_end.tolist())] == expected.tolist()
    state = objective.state_units.numpy()
    assert (state[windows.counted] >= 0).all() and (state[~windows.counted] == -1).all()


@pytest.mark.parametrize("user_anchors", ["every_position", "final"])
def test_user_units_anchor_every_position_or_the_final_one(exp, user_anchors):
    objective, windows, units = _objective(exp, "user", neighbor_encoding="bank", user_anchors=user_anchors)
    state, anchor = objective.state_units.numpy(), objective.anchor_units.numpy()
    user_unit = np.searchsorted(units.user, windows.users)
    final = windows.positions == (units.end[user_unit] - 1)[:, None]
    assert np.array_equal(state, np.where(final, user_unit[:, None], -1))
    expected = state if user_anchors == "final" else np.where(windows.targets > 0, user_unit[:, None], -1)
    assert np.array_equal(anchor, expected)


def test_one_pass_refreshes_the_bank_rows_of_every_unit_it_encodes(exp):
    objective, windows, units = _objective(exp, "prefix", neighbor_encoding="bank", anchor="rec_pass")
    backbone = _sasrec(exp)
    data = TrainingSet.of_sequences(windows, "targets")
    single = np.flatnonzero(np.bincount(windows.users)[windows.users] == 1)  # users whose part fits one window
    rows = torch.from_numpy(single[:64])
    with torch.no_grad():
        objective.losses(backbone, data.batch(rows, None, torch.device("cpu")))
    objective.update_state(SingleProcess(torch.device("cpu")))
    refreshed = objective.state_units[rows][objective.state_units[rows] >= 0]
    assert len(refreshed) == int(windows.counted[rows.numpy()].sum())
    unit_inputs = torch.from_numpy(left_padded_windows(exp.data.items, units.start, units.end, MAX_LEN))
    with torch.no_grad():  # dropout off, positions from the first item: the pass's state is the unit's encoding
        assert torch.allclose(objective.bank[refreshed], backbone.encode(unit_inputs[refreshed]), atol=1e-5)


def test_live_reads_each_neighbour_unit_from_one_pass_over_its_owner(exp):
    objective, windows, units = _objective(exp, "prefix", neighbor_encoding="live")
    backbone = _sasrec(exp)
    part = units.end - exp.data.offsets[units.user]
    neighbors = torch.from_numpy(np.flatnonzero(part <= MAX_LEN)[:600].reshape(150, K))
    with torch.no_grad():
        states = objective.owner_states(backbone, neighbors)
        alone = backbone.encode(objective.unit_inputs[neighbors.reshape(-1)]).view(*neighbors.shape, -1)
    assert torch.allclose(states, alone, atol=1e-5)


def test_same_position_intra_negatives_contrast_within_each_position_id(exp):
    objective, windows, _ = _objective(exp, "user", alpha=0.0, substitute_p=0.0, intra_negatives="same_position")
    backbone = _sasrec(exp)
    inputs, targets = torch.from_numpy(windows.inputs[:64]), torch.from_numpy(windows.targets[:64])
    has_target, rows = targets > 0, torch.arange(64)[:, None].expand_as(inputs)
    with torch.no_grad():  # p = 0 and no dropout: both views are the plain states
        loss = objective.sequence_intra_user(backbone, inputs, has_target, rows)
        states, positions = backbone.sequence_states(inputs)[has_target], backbone.position_ids(inputs)[has_target]
    groups = rows[has_target]
    expected = sum(
        (positions == p).sum() * nt_xent(states[positions == p], states[positions == p], 1.0, groups[positions == p])
        for p in positions.unique()
    ) / len(positions)
    assert torch.allclose(loss, expected, atol=1e-5)


def test_rows_of_other_strata_are_not_negatives():
    torch.manual_seed(0)
    a, b = torch.randn(6, 8), torch.randn(6, 8)
    strata = torch.tensor([0, 0, 0, 1, 1, 1])
    halves = (nt_xent(a[:3], b[:3]) + nt_xent(a[3:], b[3:])) / 2
    assert torch.allclose(nt_xent(a, b, strata=strata), halves)
    assert torch.equal(nt_xent(a, b, strata=torch.zeros(6, dtype=torch.long)), nt_xent(a, b))
    assert not torch.allclose(nt_xent(a, b), halves)


def test_same_group_rows_are_not_negatives():
    torch.manual_seed(0)
    a, b = torch.randn(6, 8), torch.randn(6, 8)
    distinct = torch.arange(6)
    assert torch.equal(nt_xent(a, b, groups=distinct), nt_xent(a, b))
    assert torch.equal(one_way_infonce(a, b, groups=distinct), one_way_infonce(a, b))
    # rows 0 and 1 of one group: row 1's vectors no longer count against row 0 (and back), so the loss changes
    grouped = torch.tensor([0, 0, 1, 2, 3, 4])
    logits = a @ b.T
    logits[0, 1] = logits[1, 0] = float("-inf")
    expected = torch.nn.functional.cross_entropy(logits, torch.arange(6))
    assert torch.allclose(one_way_infonce(a, b, groups=grouped), expected)
