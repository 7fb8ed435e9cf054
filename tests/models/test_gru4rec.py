import torch

from sracl_cli.models.gru4rec import SPEC, GRU4RecConfig
from sracl_cli.models.gru4rec_network import right_align
from sracl_cli.models.protocol import Backbone, Batch


def test_right_align_moves_items_to_the_front():
    seq = torch.tensor([[0, 0, 3, 4], [5, 6, 7, 8], [0, 0, 0, 9]])
    aligned = right_align(seq, (seq > 0).sum(1))
    assert aligned.tolist() == [[3, 4, 0, 0], [5, 6, 7, 8], [9, 0, 0, 0]]


def test_representation_ignores_padding_length():
    torch.manual_seed(0)
    model = SPEC.build(GRU4RecConfig(), n_items=30, max_len=6).eval()
    assert isinstance(model, Backbone)
    short, long = torch.tensor([[4, 7, 9]]), torch.tensor([[0, 0, 0, 4, 7, 9]])
    assert torch.allclose(model.encode(short), model.encode(long), atol=1e-6)
    assert not torch.allclose(model.encode(torch.tensor([[4, 9, 7]])), model.encode(short))


def test_rec_loss_trains():
    torch.manual_seed(0)
    model = SPEC.build(GRU4RecConfig(dropout=0.0), n_items=30, max_len=4)
    batch = Batch(torch.tensor([[0, 1, 2, 3], [0, 0, 4, 5]]), torch.tensor([4, 6]))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(20):
        loss = model.rec_loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2
