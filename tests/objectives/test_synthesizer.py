import pytest
import torch
import torch.nn.functional as F

from sracl_cli.objectives.synthesizer import NeighborSynthesizer


def test_weights_sum_to_one_and_match_a_hand_computed_example():
    synth = NeighborSynthesizer(semantic_dim=2, hidden=2, attn_dropout=0.5).eval()
    with torch.no_grad():
        synth.W.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
        synth.a.copy_(torch.tensor([[1.0], [-1.0], [0.5], [1.0]]))
    anchor = torch.tensor([[1.0, 1.0]])  # W s = [1, 2]; a1 · [1, 2] = -1
    neighbors = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]])  # W s' = [1,0],[0,2],[-1,0]
    # e = LeakyReLU(-1 + a2 · W s'): a2·[1,0]=0.5 -> -0.5; a2·[0,2]=2 -> 1; a2·[-1,0]=-0.5 -> -1.5
    scores = F.leaky_relu(torch.tensor([-0.5, 1.0, -1.5]), 0.2)
    expected = torch.softmax(scores, dim=0)
    weights = synth.weights(anchor, neighbors)
    assert torch.allclose(weights[0], expected, atol=1e-6)
    assert weights.sum().item() == pytest.approx(1.0)
    states = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    assert torch.allclose(synth(anchor, neighbors, states)[0], (expected[:, None] * states[0]).sum(0))


def test_uniform_synthesis_averages():
    synth = NeighborSynthesizer(4, 3, attn_dropout=0.0, uniform=True)
    weights = synth.weights(torch.randn(2, 4), torch.randn(2, 5, 4))
    assert torch.allclose(weights, torch.full((2, 5), 0.2))


def test_xavier_init_with_gat_gain():
    torch.manual_seed(0)
    synth = NeighborSynthesizer(384, 64, 0.5)
    bound = 1.414 * (6 / (384 + 64)) ** 0.5
    assert synth.W.abs().max().item() <= bound and synth.W.abs().max().item() > 0.9 * bound
