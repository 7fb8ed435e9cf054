"""SASRec: the official architecture's shapes and defaults, causal and padding masks, tied scoring."""

import pytest
import torch

from sracl_cli.models.protocol import Backbone, Batch
from sracl_cli.models.sasrec import SPEC, SASRecConfig


@pytest.fixture
def model():
    torch.manual_seed(0)
    return SPEC.build(SASRecConfig(), n_items=50, max_len=6).eval()


def test_architecture_matches_the_reference(model):
    assert isinstance(model, Backbone)
    assert model.item_embedding.weight.shape == (51, 64)
    assert model.position_embedding.weight.shape == (6, 64)
    assert len(model.layers) == 2
    layer = model.layers[0]
    assert (layer.n_heads, layer.ffn_in.out_features, layer.dropout.p, layer.attn_dropout) == (2, 256, 0.5, 0.5)
    assert layer.attn_norm.eps == 1e-12 and model.input_norm.eps == 1e-12
    assert model.item_embedding.weight[0].abs().sum() == 0
    assert model.item_embedding.weight[1:].std().item() == pytest.approx(0.02, rel=0.1)


def test_positions_only_see_the_past(model):
    seq = torch.tensor([[0, 3, 7, 9, 11, 13]])
    changed = seq.clone()
    changed[0, -1] = 42
    before, after = model.sequence_output(seq), model.sequence_output(changed)
    # position 0 is padding: it sees nothing real and nothing real sees it, so it is left out
    assert torch.allclose(before[:, 1:-1], after[:, 1:-1], atol=1e-6)
    assert not torch.allclose(before[:, -1], after[:, -1])


def test_padding_is_invisible(model):
    seq = torch.tensor([[0, 0, 0, 5, 6, 7]])
    reference = model.encode(seq)
    with torch.no_grad():
        model.item_embedding.weight[0].normal_()
    assert torch.allclose(model.encode(seq), reference, atol=1e-6)


def test_rec_loss_is_full_softmax_cross_entropy(model):
    batch = Batch(torch.tensor([[0, 0, 1, 2, 3, 4], [0, 0, 0, 0, 8, 9]]), torch.tensor([5, 10]))
    logits = model.encode(batch.inputs) @ model.item_embeddings().T
    logits[:, 0] = float("-inf")
    expected = torch.nn.functional.cross_entropy(logits, batch.targets)
    assert torch.allclose(model.rec_loss(batch), expected)


def test_padding_embedding_gets_no_gradient():
    torch.manual_seed(0)
    model = SPEC.build(SASRecConfig(), n_items=20, max_len=4)
    model.rec_loss(Batch(torch.tensor([[0, 1, 2, 3]]), torch.tensor([4]))).backward()
    assert model.item_embedding.weight.grad[0].abs().sum() == 0
