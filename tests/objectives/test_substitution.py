import torch

from sracl_cli.objectives.substitution import substitute_neighbors


def _table(n_items=50, k=10):
    table = (torch.arange(n_items + 1)[:, None] + torch.arange(1, k + 1)) % n_items + 1  # never 0, never self
    table[0] = 0
    return table


def test_padding_is_kept_and_never_produced():
    torch.manual_seed(0)
    inputs = torch.randint(1, 51, (512, 20))
    inputs[:, :7] = 0
    view = substitute_neighbors(inputs, _table(), p=0.9)
    assert (view[:, :7] == 0).all()
    assert (view[:, 7:] > 0).all()


def test_about_p_of_the_items_are_replaced_by_their_neighbours():
    torch.manual_seed(0)
    table = _table()
    inputs = torch.randint(1, 51, (4096, 20))
    view = substitute_neighbors(inputs, table, p=0.2)
    changed = view != inputs
    assert abs(changed.float().mean().item() - 0.2) < 0.01
    assert (table[inputs[changed]] == view[changed][:, None]).any(dim=1).all()


def test_a_zero_in_the_table_keeps_the_item():
    table = torch.zeros(6, 3, dtype=torch.long)
    inputs = torch.tensor([[0, 1, 2, 3]])
    assert torch.equal(substitute_neighbors(inputs, table, p=1.0), inputs)
