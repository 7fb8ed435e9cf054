"""What the epoch loop draws its batches from: prefix samples (one target per row, the paper's protocol) or
sequence windows (a target at every position, `train.samples = "sequence"`).

Each epoch shuffles the rows with the run's generator. Prefix batches hold `batch_size` rows. Sequence
batches hold either `batch_size` rows (`train.batch_by = "sequences"`) or about `batch_size` targets
(`"targets"`: consecutive shuffled rows until their targets reach the size), so that a step sees about as many
targets as a prefix step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from sracl_cli.data.sequences import SequenceSamples
from sracl_cli.data.split import Samples
from sracl_cli.models.protocol import Batch


@dataclass(frozen=True)
class TrainingSet:
    inputs: Tensor  # [N, L]
    targets: Tensor  # [N] or [N, L]
    sizes: Tensor | None = None  # [N] what a row counts toward batch_size (None: 1 each)

    @classmethod
    def of_prefixes(cls, samples: Samples) -> TrainingSet:
        return cls(torch.from_numpy(samples.inputs), torch.from_numpy(samples.targets))

    @classmethod
    def of_sequences(cls, samples: SequenceSamples, batch_by: str) -> TrainingSet:
        sizes = torch.from_numpy(samples.targets_per_row()) if batch_by == "targets" else None
        return cls(torch.from_numpy(samples.inputs), torch.from_numpy(samples.targets), sizes)

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def n_targets(self) -> int:
        return int((self.targets > 0).sum())

    def batches(self, generator: torch.Generator, batch_size: int) -> list[Tensor]:
        """One epoch's batches of row indices, in a random order drawn from `generator`."""
        order = torch.randperm(len(self), generator=generator)
        if self.sizes is None:
            return list(order.split(batch_size))
        batch_of_row = ((self.sizes[order].cumsum(0) - 1) // batch_size).clamp_min(0)
        return list(order.split(torch.unique_consecutive(batch_of_row, return_counts=True)[1].tolist()))

    def n_batches(self, batch_size: int) -> int:
        """Batches per epoch (for learning-rate schedules): exact for rows, the expected count for targets."""
        total = len(self) if self.sizes is None else int(self.sizes.sum())
        return max(1, -(-total // batch_size))

    def batch(self, rows: Tensor, sample_units: Tensor | None, device: torch.device) -> Batch:
        """The rows `rows`, with each row's user unit when the objective uses units."""
        units = sample_units[rows].to(device) if sample_units is not None else None
        return Batch(self.inputs[rows].to(device), self.targets[rows].to(device), units, rows.to(device))
