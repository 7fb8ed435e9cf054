"""The objective contract: named loss components of a batch, summed by the trainer with fixed weights.

An `sracl.objectives` entry point names an `ObjectiveSpec`: the pydantic model of the objective's keys in the
recipe's [objective] section (importable without torch), the stages whose artifacts it reads (`needs`), and
`build(config, context)`, which receives only the small `ObjectiveContext` (never the whole recipe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sracl_cli.registry import ConfigT, PluginSpec

if TYPE_CHECKING:
    from torch import Tensor

    from sracl_cli.data.dataset import SequenceData
    from sracl_cli.data.sequences import SequenceSamples
    from sracl_cli.data.split import Samples
    from sracl_cli.models.protocol import Backbone, Batch
    from sracl_cli.objectives.semantic_inputs import SemanticInputs
    from sracl_cli.training.runtime import Runtime


BOTH_SAMPLE_MODES = ("prefix", "sequence")


@runtime_checkable
class Objective(Protocol):
    """An `nn.Module` (its parameters are trained with the backbone's and saved in checkpoints)."""

    weights: dict[str, float]  # component name -> weight in the total loss
    sample_units: Tensor | None  # [n_train] user unit of each training sample, when the objective needs it

    def start(self, backbone: Backbone) -> None:
        """Called once before the first epoch of a fresh (not resumed) run."""

    def losses(self, backbone: Backbone, batch: Batch) -> dict[str, Tensor]:
        """Unweighted loss components; keys are those of `weights`. Must not change state the next
        batch reads: per-step state updates go to `update_state`."""

    def update_state(self, runtime: Runtime) -> None:
        """Called after every optimizer step: fold this step's state (e.g. SRA-CL's bank rows) in, through
        `runtime.all_gather` so that every process sees every process's rows."""


@dataclass(frozen=True)
class ObjectiveContext:
    """What an objective may build from: the training samples, the data, and what it declared it needs.

    With `train.samples = "sequence"`, `sequences` holds the windows the batches are drawn from (batch.rows index
    them) and the backbone is a `SequenceBackbone`; `train` is always the prefix samples (the pairs both train).
    """

    data: SequenceData
    train: Samples
    max_len: int
    hidden: int  # width of the backbone's sequence representations
    semantic: SemanticInputs | None = None  # the embed + index artifacts, when `needs` names those stages
    sequences: SequenceSamples | None = None


@dataclass(frozen=True, kw_only=True)
class ObjectiveSpec(PluginSpec[ConfigT]):
    """What a `sracl.objectives` entry point provides; `build` imports torch when called."""

    build: Callable[[ConfigT, ObjectiveContext], Objective]
    needs: tuple[str, ...] = ()  # stages whose artifacts the objective reads, e.g. ("embed", "index")
    samples: tuple[str, ...] = ("prefix",)  # the `train.samples` modes it trains in
    # Keys of its config that do not apply in a `train.samples` mode: one line per problem (`sracl validate`).
    mode_problems: Callable[[ConfigT, str], list[str]] | None = None
