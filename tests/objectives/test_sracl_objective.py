"""SRA-CL losses on a tiny backbone: gradients reach W, a and the neighbour encodings (live); bank mode."""

import numpy as np
import pytest
import torch

from sracl_cli.data.units import UserUnits
from sracl_cli.models.protocol import Batch
from sracl_cli.models.sasrec import SPEC, SASRecConfig
from sracl_cli.objectives.semantic_inputs import SemanticInputs
from sracl_cli.objectives.sracl import SRACLConfig
from sracl_cli.objectives.sracl_loss import SRACLObjective
from sracl_cli.training.runtime import SingleProcess

N_ITEMS, N_UNITS, K, L = 30, 12, 3, 5


def _objective(**overrides):
    rng = np.random.default_rng(0)
    item_neighbors = (np.arange(N_ITEMS + 1)[:, None] + np.arange(1, K + 1)) % N_ITEMS + 1
    item_neighbors[0] = 0
    units = UserUnits(
        "prefix", np.arange(N_UNITS), np.zeros(N_UNITS, int), np.ones(N_UNITS, int), np.ones(N_UNITS, bool)
    )
    semantic = SemanticInputs(
        item_neighbors=item_neighbors,
        user_neighbors=(np.arange(N_UNITS)[:, None] + np.arange(1, K + 1)) % N_UNITS,
        unit_embeddings=rng.normal(size=(N_UNITS, 8)).astype(np.float32),
        units=units,
    )
    unit_inputs = rng.integers(1, N_ITEMS + 1, size=(N_UNITS, L))
    config = SRACLConfig(**overrides)
    return SRACLObjective(config, semantic, unit_inputs, np.arange(N_UNITS), hidden=16)


def _backbone():
    torch.manual_seed(0)
    return SPEC.build(SASRecConfig(hidden=16, inner=32), N_ITEMS, L)


def _batch():
    return Batch(torch.randint(1, N_ITEMS + 1, (4, L)), torch.randint(1, N_ITEMS + 1, (4,)), torch.arange(4))


def test_live_gradients_reach_the_synthesizer_and_the_neighbour_encodings():
    objective, backbone = _objective(attn_dropout=0.0), _backbone()  # dropout could zero a neighbour's weight
    losses = objective.losses(backbone, _batch())
    assert set(losses) == {"rec", "cs", "is"}
    losses["cs"].backward()
    assert objective.synthesizer.W.grad.abs().sum() > 0
    assert objective.synthesizer.a.grad.abs().sum() > 0
    neighbor_items = objective.unit_inputs[objective.user_neighbors[:4].reshape(-1)].unique()
    grads = backbone.item_embedding.weight.grad
    assert grads[neighbor_items].abs().sum(dim=1).gt(0).all()


def test_bank_mode_uses_stored_states_without_gradient_and_refreshes_anchors():
    objective, backbone = _objective(neighbor_encoding="bank"), _backbone()
    objective.start(backbone)
    assert objective.bank.abs().sum(dim=1).gt(0).all()
    before = objective.bank.clone()
    batch = _batch()
    loss = objective.inter_user(backbone, batch)
    loss.backward()
    assert torch.equal(objective.bank, before)  # the step never writes the bank itself ...
    objective.update_state(SingleProcess(torch.device("cpu")))  # ... the update after the optimizer step does
    assert not torch.equal(objective.bank[:4], before[:4])  # anchors refreshed (new dropout masks)
    assert torch.equal(objective.bank[4:], before[4:])
    assert "bank" in objective.state_dict() and "unit_inputs" not in objective.state_dict()


@pytest.mark.parametrize("alpha, beta, expected", [(0.0, 0.1, {"rec", "is"}), (0.1, 0.0, {"rec", "cs"})])
def test_ablations_switch_components_off(alpha, beta, expected):
    losses = _objective(alpha=alpha, beta=beta).losses(_backbone(), _batch())
    assert set(losses) == expected
