"""The `litellm` embedder: a hosted or local OpenAI-compatible embedding endpoint through LiteLLM.

`embedding.model` is a LiteLLM model string (`openai/text-embedding-3-small`, or `openai/<name>` with
`embedding.api_base` for a local OpenAI-compatible server). Keys follow the `litellm` LLM provider: read
from the environment variable named by `embedding.api_key_env` (never from the recipe) and cut out of
error texts; without it, a recipe with `api_base` sends a placeholder key (local servers ignore it) and
one without leaves credentials to LiteLLM's own lookup for that provider.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.semantic.embedders.protocol import EmbedderSpec, Progress, in_batches
from sracl_cli.semantic.providers.litellm_provider import LOCAL_SERVER_KEY, redact
from sracl_cli.vectors import l2_normalize

if TYPE_CHECKING:
    from sracl_cli.recipe import EmbeddingSection

DIM_PROBE_TEXT = "dimension probe"


class LiteLLMEmbedder:
    def __init__(self, section: EmbeddingSection, api_key: str | None, progress: Progress | None):
        self.name = section.model
        self._section = section
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
        from sracl_cli.semantic.providers.litellm_setup import quiet_litellm

        litellm = quiet_litellm()
        try:
            response = litellm.embedding(
                model=self._section.model, input=batch, api_base=self._section.api_base, api_key=self._api_key
            )
        except Exception as error:  # litellm maps every provider's failure onto its own exception types
            reason = redact(f"{type(error).__name__}: {error}", self._api_key)
            raise RunFailure(f"embedding request to {self._section.model} failed: {reason}") from None
        rows = sorted(response.data, key=lambda row: row["index"])
        if len(rows) != len(batch):
            raise RunFailure(f"{self._section.model} returned {len(rows)} embeddings for {len(batch)} texts")
        return l2_normalize(np.asarray([row["embedding"] for row in rows], dtype=np.float32))


def api_key_from_env(section: EmbeddingSection) -> str | None:
    if section.api_key_env is None:
        return LOCAL_SERVER_KEY if section.api_base else None
    key = os.environ.get(section.api_key_env, "").strip()
    if not key:
        raise UsageError(f"embedding.api_key_env: environment variable {section.api_key_env} is not set")
    return key


def build(section: EmbeddingSection, progress: Progress | None = None) -> LiteLLMEmbedder:
    return LiteLLMEmbedder(section, api_key_from_env(section), progress)


SPEC = EmbedderSpec(build=build)
