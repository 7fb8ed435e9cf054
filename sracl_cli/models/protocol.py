"""The backbone contract. Objectives and the trainer use only what is declared here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from sracl_cli.registry import ConfigT, PluginSpec

if TYPE_CHECKING:
    from torch import Tensor, nn


class Batch(NamedTuple):
    inputs: Tensor  # [B, L] item ids, left-padded with 0
    targets: Tensor  # [B] next item ids
    units: Tensor | None = None  # [B] user unit of each sample (objectives that use semantic neighbours)
    rows: Tensor | None = None  # [B] index of each sample in the training set


@runtime_checkable
class Backbone(Protocol):
    def encode(self, item_seq: Tensor) -> Tensor:
        """Sequence representations [B, d] for left-padded item ids [B, L]."""

    def item_embeddings(self) -> Tensor:
        """Item representations [n_items + 1, d] used for scoring; row 0 is padding."""

    def rec_loss(self, batch: Batch) -> Tensor:
        """The backbone's own recommendation loss on a batch (scalar)."""


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
    import torch.nn.functional as F

    logits = backbone.encode(batch.inputs) @ backbone.item_embeddings().T
    logits[:, 0] = float("-inf")
    return F.cross_entropy(logits, batch.targets)
