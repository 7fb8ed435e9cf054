"""Test metrics by the user's sequence length (interactions in the whole sequence), as the paper reports them.

The per-user ranks come from the evaluation's own ranking (`ranking.target_ranks`) on the kept checkpoint;
the eval stage keeps only the means. `starts` are where the groups begin: (7, 11) gives the paper's groups
< 7, 7–10 and > 10 interactions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from sracl_cli.checkpoint import load_state
from sracl_cli.evaluation.metrics import metrics_from_ranks
from sracl_cli.evaluation.ranking import target_ranks
from sracl_cli.experiment import Experiment

PAPER_STARTS = (7, 11)


def group_labels(starts: Sequence[int]) -> list[str]:
    """'< 7', '7–10', '> 10' for starts (7, 11)."""
    labels = [f"< {starts[0]}"]
    labels += [f"{low}–{high - 1}" if high - 1 > low else f"{low}" for low, high in zip(starts, starts[1:])]
    return [*labels, f"> {starts[-1] - 1}"]


def ranks_on_test(exp: Experiment, device: torch.device) -> np.ndarray:
    """0-based rank of each test user's target under the run's kept weights (as `sracl eval` ranks it)."""
    model = exp.build_model()
    model.load_state_dict(load_state(exp.weights_file))
    model.to(device)
    settings = exp.recipe.config.eval
    return target_ranks(model, exp.split.test, exp.data, max(settings.ks), settings.batch_size,
                        settings.mask_history, device)


def by_length(ranks: np.ndarray, lengths: np.ndarray, starts: Sequence[int], ks: list[int]) -> list[dict]:
    """One row per group: its label, how many users fall in it, and their metrics (None for an empty group)."""
    group = np.searchsorted(np.asarray(starts), lengths, side="right")
    rows = []
    for index, label in enumerate(group_labels(starts)):
        members = group == index
        metrics = metrics_from_ranks(ranks[members], ks) if members.any() else None
        rows.append({"group": label, "users": int(members.sum()), "metrics": metrics})
    return rows


def mean_over_seeds(per_seed: dict[int, list[dict]]) -> list[dict]:
    """The groups' metrics averaged over seeds (every seed ranks the same users, so the counts agree)."""
    first = next(iter(per_seed.values()))
    rows = []
    for index, row in enumerate(first):
        if row["metrics"] is None:
            rows.append(dict(row))
            continue
        runs = [seed_rows[index]["metrics"] for seed_rows in per_seed.values()]
        rows.append({**row, "metrics": {name: float(np.mean([run[name] for run in runs])) for name in row["metrics"]}})
    return rows


def parse_starts(text: str) -> tuple[int, ...]:
    """'7,11' -> (7, 11); ValueError unless positive integers in increasing order."""
    starts = tuple(int(part) for part in text.split(","))
    if any(start < 1 for start in starts) or list(starts) != sorted(set(starts)):
        raise ValueError("positive integers in increasing order")
    return starts
