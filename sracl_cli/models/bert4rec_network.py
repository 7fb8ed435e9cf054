"""BERT4Rec: a bidirectional Transformer trained by cloze (masked item) prediction.

For a sequence representation (next-item scoring and the contrastive losses) the input is shifted left,
a mask token appended, and the mask token's output read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor

from sracl_cli.models.protocol import Batch
from sracl_cli.models.sasrec_network import SASRec

if TYPE_CHECKING:
    from sracl_cli.models.bert4rec import BERT4RecConfig


class BERT4Rec(SASRec):
    causal = False
    config: BERT4RecConfig
    sequence_states = None  # type: ignore[assignment]  # bidirectional (cloze): no per-prefix states

    def __init__(self, config: BERT4RecConfig, n_items: int, max_len: int):
        super().__init__(config, n_items, max_len, extra_tokens=1)
        self.mask_token = n_items + 1

    def encode(self, item_seq: Tensor) -> Tensor:
        return self.sequence_output(self._append_mask(item_seq[:, 1:]))[:, -1]

    def rec_loss(self, batch: Batch) -> Tensor:
        """Cloze loss: random non-padding positions and always the target position are masked and predicted."""
        sequence = torch.cat([batch.inputs[:, 1:], batch.targets[:, None]], dim=1)
        masked = (torch.rand(sequence.shape, device=sequence.device) < self.config.mask_prob) & (sequence > 0)
        masked[:, -1] = True
        hidden = self.sequence_output(sequence.masked_fill(masked, self.mask_token))[masked]
        logits = hidden @ self.item_embeddings().T
        logits[:, 0] = float("-inf")
        return F.cross_entropy(logits, sequence[masked])

    def _append_mask(self, item_seq: Tensor) -> Tensor:
        mask_column = torch.full((item_seq.size(0), 1), self.mask_token, dtype=item_seq.dtype, device=item_seq.device)
        return torch.cat([item_seq, mask_column], dim=1)
