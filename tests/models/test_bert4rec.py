import torch

from sracl_cli.models.bert4rec import SPEC, BERT4RecConfig
from sracl_cli.models.protocol import Backbone, Batch


def _model():
    torch.manual_seed(0)
    return SPEC.build(BERT4RecConfig(), n_items=40, max_len=5)


def test_mask_token_is_an_extra_row_not_a_candidate():
    model = _model()
    assert isinstance(model, Backbone)
    assert model.item_embedding.weight.shape == (42, 64)
    assert model.item_embeddings().shape == (41, 64)
    assert model.mask_token == 41


def test_attention_is_bidirectional_and_encode_reads_the_appended_mask():
    model = _model().eval()
    seq = torch.tensor([[0, 3, 5, 7, 9]])
    changed = torch.tensor([[0, 3, 5, 7, 11]])
    hidden, hidden_changed = model.sequence_output(seq), model.sequence_output(changed)
    assert not torch.allclose(hidden[:, 2], hidden_changed[:, 2])  # an earlier position sees a later item
    expected = model.sequence_output(torch.tensor([[3, 5, 7, 9, 41]]))[:, -1]
    assert torch.allclose(model.encode(seq), expected)


def test_cloze_loss_always_predicts_the_target():
    model = _model().eval()  # no dropout, so the loss can be recomputed by hand
    model.config = model.config.model_copy(update={"mask_prob": 1e-9})  # only the target is masked
    loss = model.rec_loss(Batch(torch.tensor([[0, 1, 2, 3, 4]]), torch.tensor([5])))
    logits = model.sequence_output(torch.tensor([[1, 2, 3, 4, 41]]))[:, -1] @ model.item_embeddings().T
    logits[:, 0] = float("-inf")
    assert torch.allclose(loss, torch.nn.functional.cross_entropy(logits, torch.tensor([5])))
