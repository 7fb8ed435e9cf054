"""The backbone contract. Objectives and the trainer use only what is declared here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from sracl_cli.registry import ConfigT, PluginSpec

if TYPE_CHECKING:
    from torch import Tensor, nn


class Batch(NamedTuple):
    """`prefix` samples: one target per row. `sequence` samples (data/sequences.py): a target per position."""

    inputs: Tensor  # [B, L] item ids, left-padded with 0
    targets: Tensor  # [B] next item ids, or [B, L] (0: no target at that position)
    units: Tensor | None = None  # [B] (or [B, L]) user unit of each sample, for objectives that use neighbours
    rows: Tensor | None = None  # [B] index of each sample (or window) in the training set


@runtime_checkable
class Backbone(Protocol):
    def encode(self, item_seq: Tensor) -> Tensor:
        """Sequence representations [B, d] for left-padded item ids [B, L]."""

    def item_embeddings(self) -> Tensor:
        """Item representations [n_items + 1, d] used for scoring; row 0 is padding."""

    def rec_loss(self, batch: Batch) -> Tensor:
        """The backbone's own recommendation loss on a batch (scalar)."""


@runtime_checkable
class SequenceBackbone(Backbone, Protocol):
    """A causal backbone that also gives the state of every prefix in one pass (`train.samples = "sequence"`)."""

    def sequence_states(self, item_seq: Tensor) -> Tensor:
        """States [B, L, d]: position p is the encoding of the row's items up to p (`encode` is position L-1)."""


@dataclass(frozen=True, kw_only=True)
class BackboneSpec(PluginSpec[ConfigT]):
    """What a `sracl.backbones` entry point provides.

    `config_model` validates the backbone's keys of the recipe's [model] section; it must import without
    torch so that `sracl validate` stays fast. `build(config, n_items, max_len)` returns an `nn.Module`
    that satisfies `Backbone` (import torch inside it).
    """

    build: Callable[[ConfigT, int, int], nn.Module]


def full_softmax_loss(backbone: Backbone, batch: Batch) -> Tensor:
    """Cross-entropy of the next item over all items (padding excluded), logits = h · E^T."""
    return next_item_loss(backbone.encode(batch.inputs), backbone.item_embeddings(), batch.targets)


def next_item_loss(states: Tensor, items: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of `targets` [N] given `states` [N, d] over the item table [n_items + 1, d] (row 0 out)."""
    import torch.nn.functional as F

    logits = states @ items.T
    logits[:, 0] = float("-inf")
    return F.cross_entropy(logits, targets)


def sequence_rec_loss(states: Tensor, items: Tensor, targets: Tensor) -> Tensor:
    """The next-item loss at every position that has a target: `states` [B, L, d], `targets` [B, L]."""
    has_target = targets > 0
    return next_item_loss(states[has_target], items, targets[has_target])


def sequence_backbone(backbone: object, name: str) -> SequenceBackbone:
    """`backbone` as a `SequenceBackbone`, or the error `train.samples = "sequence"` gives for one without it."""
    from sracl_cli.errors import UsageError

    if not callable(getattr(backbone, "sequence_states", None)):
        raise UsageError(f"model.backbone = '{name}' has no all-positions pass (sequence_states), which "
                         'train.samples = "sequence" needs; use train.samples = "prefix" with it')
    return backbone  # type: ignore[return-value]
