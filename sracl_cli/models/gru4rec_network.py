"""GRU4Rec: item embeddings → GRU over the real items only → last state, scored against the item table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from sracl_cli.models.protocol import Batch, full_softmax_loss

if TYPE_CHECKING:
    from sracl_cli.models.gru4rec import GRU4RecConfig


class GRU4Rec(nn.Module):
    def __init__(self, config: GRU4RecConfig, n_items: int):
        super().__init__()
        self.item_embedding = nn.Embedding(n_items + 1, config.hidden, padding_idx=0)
        self.dropout = nn.Dropout(config.dropout)
        self.gru = nn.GRU(config.hidden, config.hidden, num_layers=config.n_layers, batch_first=True)
        self.project = nn.Linear(config.hidden, config.hidden)
        nn.init.normal_(self.item_embedding.weight, std=config.init_std)
        with torch.no_grad():
            self.item_embedding.weight[0].zero_()

    def encode(self, item_seq: Tensor) -> Tensor:
        lengths = (item_seq > 0).sum(dim=1).clamp_min(1)
        packed = pack_padded_sequence(
            self.dropout(self.item_embedding(right_align(item_seq, lengths))),
            lengths.cpu(),
            batch_first=True,
            enforce_sorted=False,
        )
        _, last_state = self.gru(packed)
        return self.project(last_state[-1])

    def sequence_states(self, item_seq: Tensor) -> Tensor:
        """The projected GRU state after each item, at that item's column of the left-padded row."""
        lengths = (item_seq > 0).sum(dim=1).clamp_min(1)
        # Right-aligned rows end in padding, which cannot reach the states of the real items before it.
        outputs, _ = self.gru(self.dropout(self.item_embedding(right_align(item_seq, lengths))))
        length = item_seq.size(1)
        back = (torch.arange(length, device=item_seq.device) - (length - lengths)[:, None]) % length
        return self.project(outputs.gather(1, back[:, :, None].expand(-1, -1, outputs.size(2))))

    def item_embeddings(self) -> Tensor:
        return self.item_embedding.weight

    def rec_loss(self, batch: Batch) -> Tensor:
        return full_softmax_loss(self, batch)


def right_align(item_seq: Tensor, lengths: Tensor) -> Tensor:
    """Move the items of left-padded rows to the front (what packing expects)."""
    length = item_seq.size(1)
    source = (torch.arange(length, device=item_seq.device) + (length - lengths)[:, None]) % length
    return item_seq.gather(1, source)
