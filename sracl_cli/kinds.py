"""The seven plugin kinds: entry-point group, spec type, and the recipe section (and key) that picks one.

Each section named here is a plugin section: its core keys are sracl's, every other key belongs to the
chosen plugin and is validated by that plugin's `config_model`. [logging] picks several (`to = [...]`), and
each one's keys are its own sub-table (`[logging.mlflow]`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sracl_cli.registry import Kind

if TYPE_CHECKING:
    from sracl_cli.data.dataset import LoaderSpec
    from sracl_cli.models.protocol import BackboneSpec
    from sracl_cli.objectives.protocol import ObjectiveSpec
    from sracl_cli.retrieval.stores.protocol import StoreSpec
    from sracl_cli.semantic.embedders.protocol import EmbedderSpec
    from sracl_cli.semantic.providers.protocol import ProviderSpec
    from sracl_cli.tracking.protocol import LoggerSpec

DATASET: Kind[LoaderSpec[Any]] = Kind(
    "dataset loader", "sracl.datasets", "sracl_cli.data.dataset:LoaderSpec", "data", "loader"
)
BACKBONE: Kind[BackboneSpec[Any]] = Kind(
    "backbone", "sracl.backbones", "sracl_cli.models.protocol:BackboneSpec", "model", "backbone"
)
OBJECTIVE: Kind[ObjectiveSpec[Any]] = Kind(
    "objective", "sracl.objectives", "sracl_cli.objectives.protocol:ObjectiveSpec", "objective", "name"
)
LLM_PROVIDER: Kind[ProviderSpec[Any]] = Kind(
    "llm provider", "sracl.llm_providers", "sracl_cli.semantic.providers.protocol:ProviderSpec", "llm", "provider"
)
EMBEDDER: Kind[EmbedderSpec[Any]] = Kind(
    "embedder", "sracl.embedders", "sracl_cli.semantic.embedders.protocol:EmbedderSpec", "embedding", "embedder"
)
VECTOR_STORE: Kind[StoreSpec[Any]] = Kind(
    "vector store", "sracl.vector_stores", "sracl_cli.retrieval.stores.protocol:StoreSpec", "index", "store"
)

LOGGER: Kind[LoggerSpec[Any]] = Kind(
    "logger", "sracl.loggers", "sracl_cli.tracking.protocol:LoggerSpec", "logging", "to", many=True
)

KINDS: tuple[Kind[Any], ...] = (DATASET, BACKBONE, OBJECTIVE, LLM_PROVIDER, EMBEDDER, VECTOR_STORE, LOGGER)
