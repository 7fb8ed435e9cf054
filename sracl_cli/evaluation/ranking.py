"""Where does each target item land when a model ranks all items? Streamed in batches with torch.topk,
so no users x items matrix is ever held in memory."""

from __future__ import annotations

import numpy as np
import torch

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.split import Samples, concat_ranges


@torch.no_grad()
def target_ranks(
    model,
    samples: Samples,
    data: SequenceData,
    max_k: int,
    batch_size: int,
    mask_history: bool,
    device: torch.device,
) -> np.ndarray:
    """0-based rank of each sample's target among all items; `max_k` when it is not in the top max_k."""
    was_training = model.training
    model.eval()
    item_table = model.item_embeddings()
    ranks = np.empty(len(samples), dtype=np.int64)
    for start in range(0, len(samples), batch_size):
        rows = slice(start, start + batch_size)
        inputs = torch.from_numpy(samples.inputs[rows]).to(device)
        targets = torch.from_numpy(samples.targets[rows]).to(device)
        scores = all_item_scores(model, inputs, item_table)
        if mask_history:
            _mask_seen_items(scores, targets, samples, data, rows)
        top = scores.topk(max_k, dim=1).indices
        hits = top == targets[:, None]
        batch_ranks = torch.where(hits.any(dim=1), hits.int().argmax(dim=1), max_k)
        ranks[rows] = batch_ranks.cpu().numpy()
    model.train(was_training)
    return ranks


def all_item_scores(model, inputs: torch.Tensor, item_table: torch.Tensor) -> torch.Tensor:
    """Scores [B, n_items + 1] of every item for left-padded inputs [B, L]; padding (column 0) is -inf.
    Evaluation and `sracl recommend` both rank by it, so a recommendation's top k is what eval counted."""
    scores = model.encode(inputs) @ item_table.T
    scores[:, 0] = float("-inf")
    return scores


def _mask_seen_items(scores, targets, samples: Samples, data: SequenceData, rows: slice) -> None:
    """Hide every item the user interacted with before the target, except the target itself."""
    starts = data.offsets[samples.users[rows]]
    counts = samples.history_end[rows] - starts
    seen = torch.from_numpy(data.items[concat_ranges(starts, counts)]).to(scores.device)
    batch_rows = torch.from_numpy(np.repeat(np.arange(len(counts)), counts)).to(scores.device)
    arange = torch.arange(len(targets), device=scores.device)
    target_scores = scores[arange, targets].clone()
    scores[batch_rows, seen] = float("-inf")
    scores[arange, targets] = target_scores
