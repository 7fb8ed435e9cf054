"""A reference implementation of the official SRA-CL code's training shape, to time ours against.

The data pipeline is a PyTorch `Dataset` whose `__getitem__` works per sample in pure Python, as
../shared/PAPER_NOTES.md describes the official code: left-pad the sequence; for each of its 10 neighbour
units look up the unit's string key ("uid:i1:i2:..."), split it, convert to ints and pad it; two per-token
loops drawing `random.random()` and `random.choice(neighbours)`; 7 tensors per sample; DataLoader, batch 256,
num_workers=0. The step encodes the rec input, the anchor, each neighbour position and both views in separate
backbone calls (14 passes per sample), with sracl's own losses, so the model arithmetic equals `live`.
"""

from __future__ import annotations

import random

import torch
from torch.utils.data import DataLoader, Dataset

from sracl_cli.models.protocol import Batch
from sracl_cli.objectives.infonce import nt_xent


class OfficialShapeDataset(Dataset):
    def __init__(self, exp, semantic, p: float = 0.2):
        units = semantic.units
        self.max_len = exp.recipe.config.data.max_len
        self.p = p
        train = exp.split.train
        self.sequences = [[int(i) for i in row if i] for row in train.inputs]
        self.targets = [int(t) for t in train.targets]
        self.sample_units = [int(u) for u in units.unit_of(train, exp.data)]
        self.unit_keys = [
            ":".join([str(int(units.user[u]))] + [str(int(i)) for i in units.items(u, exp.data)])
            for u in range(len(units))
        ]
        self.unit_neighbors = [[int(n) for n in row] for row in semantic.user_neighbors]
        self.item_neighbors = {i: [int(n) for n in row if n] for i, row in enumerate(semantic.item_neighbors)}

    def __len__(self) -> int:
        return len(self.targets)

    def _pad(self, sequence: list[int]) -> list[int]:
        sequence = sequence[-self.max_len:]
        return [0] * (self.max_len - len(sequence)) + sequence

    def _substituted(self, sequence: list[int]) -> list[int]:
        view = []
        for item in sequence:
            neighbours = self.item_neighbors.get(item)
            if item and neighbours and random.random() < self.p:
                item = random.choice(neighbours)
            view.append(item)
        return view

    def __getitem__(self, index: int):
        sequence = self._pad(self.sequences[index])
        unit = self.sample_units[index]
        neighbour_units = self.unit_neighbors[unit]
        neighbour_sequences = []
        for neighbour in neighbour_units:
            parts = self.unit_keys[neighbour].split(":")
            neighbour_sequences.append(self._pad([int(part) for part in parts[1:]]))
        return (
            torch.tensor(sequence), torch.tensor(self.targets[index]), torch.tensor(unit),
            torch.tensor(neighbour_units), torch.tensor(neighbour_sequences),
            torch.tensor(self._substituted(sequence)), torch.tensor(self._substituted(sequence)),
        )


def official_loader(dataset: OfficialShapeDataset, batch_size: int, seed: int = 0) -> DataLoader:
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=0,
                      generator=torch.Generator().manual_seed(seed))


def official_step(model, objective, optimizer, batch) -> None:
    """One optimizer step in the official shape: every encoder call separate, neighbours position by position."""
    inputs, targets, units, neighbour_units, neighbour_sequences, first, second = batch
    rec = model.rec_loss(Batch(inputs, targets))
    anchor = model.encode(inputs)
    states = torch.stack([model.encode(neighbour_sequences[:, j]) for j in range(neighbour_units.size(1))], dim=1)
    semantic = objective.unit_semantic
    positive = objective.synthesizer(semantic[units], semantic[neighbour_units], states)
    cs = nt_xent(anchor, positive, objective.config.temperature)
    intra = nt_xent(model.encode(first), model.encode(second), objective.config.temperature)
    loss = rec + objective.config.alpha * cs + objective.config.beta * intra
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
