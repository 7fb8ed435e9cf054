"""The `litellm` embedder: a hosted or local OpenAI-compatible embedding endpoint through LiteLLM.

Its keys in the recipe's [embedding] section are `LiteLLMEmbedderConfig`'s. `embedding.model` is a LiteLLM
model string (`openai/text-embedding-3-small`, or `openai/<name>` with `embedding.api_base` for a local
OpenAI-compatible server). Keys are handled as for the `litellm` LLM provider (`litellm_common.py`): read
from the environment variable named by `embedding.api_key_env` (never from the recipe) and cut out of
error texts; without it, a recipe with `api_base` sends a placeholder key (local servers ignore it) and
one without leaves credentials to LiteLLM's own lookup for that provider.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import RunFailure
from sracl_cli.semantic.embedders.protocol import EmbedderSpec, Progress, in_batches
from sracl_cli.semantic.litellm_common import ApiKeyEnv, quiet_litellm, read_api_key, redact
from sracl_cli.vectors import l2_normalize

DIM_PROBE_TEXT = "dimension probe"


class LiteLLMEmbedderConfig(BaseModel):
    """The `litellm` embedder's keys of the recipe's [embedding] section."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="LiteLLM embedding model string, e.g. openai/text-embedding-3-small")
    api_base: str | None = Field(None, description="base URL of an OpenAI-compatible embedding server")
    api_key_env: ApiKeyEnv = None


class LiteLLMEmbedder:
    def __init__(self, config: LiteLLMEmbedderConfig, api_key: str | None, progress: Progress | None):
        self.name = config.model
        self._config = config
        self._api_key = api_key
        self._progress = progress
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = self._request([DIM_PROBE_TEXT]).shape[1]
        return self._dim

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.concatenate(in_batches(texts, batch_size, self._request, self._progress))
        self._dim = vectors.shape[1]
        return vectors

    def _request(self, batch: list[str]) -> np.ndarray:
        litellm = quiet_litellm()
        model, api_base = self._config.model, self._config.api_base
        try:
            response = litellm.embedding(model=model, input=batch, api_base=api_base, api_key=self._api_key)
        except Exception as error:  # litellm maps every provider's failure onto its own exception types
            reason = redact(f"{type(error).__name__}: {error}", self._api_key)
            raise RunFailure(f"embedding request to {model} failed: {reason}") from None
        rows = sorted(response.data, key=lambda row: row["index"])
        if len(rows) != len(batch):
            raise RunFailure(f"{model} returned {len(rows)} embeddings for {len(batch)} texts")
        return l2_normalize(np.asarray([row["embedding"] for row in rows], dtype=np.float32))


def build(config: LiteLLMEmbedderConfig, progress: Progress | None = None) -> LiteLLMEmbedder:
    return LiteLLMEmbedder(config, read_api_key("embedding", config.api_key_env, config.api_base), progress)


SPEC = EmbedderSpec(
    config_model=LiteLLMEmbedderConfig,
    build=build,
    description="a hosted or local OpenAI-compatible embedding endpoint through LiteLLM",
)
