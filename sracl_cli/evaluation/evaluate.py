"""Metrics of a model on a set of samples (full ranking): what validation and the eval stage both compute."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.split import Samples
from sracl_cli.evaluation.metrics import metrics_from_ranks
from sracl_cli.evaluation.ranking import target_ranks

if TYPE_CHECKING:
    from sracl_cli.recipe import EvalSection


def evaluate_samples(model: nn.Module, samples: Samples, data: SequenceData, settings: EvalSection,
                     device: torch.device) -> dict[str, float]:
    ranks = target_ranks(model, samples, data, max(settings.ks), settings.batch_size, settings.mask_history, device)
    return metrics_from_ranks(ranks, settings.ks)
