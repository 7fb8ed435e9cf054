"""Real MiniLM embeddings of the quickstart sample's item titles, computed once and kept in pytest's cache.

Embedding a few thousand titles takes tens of seconds on two cores; the cache (keyed by the titles and
the model files) makes every later run read them from disk.
"""

from __future__ import annotations

import hashlib

import numpy as np

from sracl_cli.paths import packaged_root
from sracl_cli.semantic.embedders.sbert import SentenceTransformersConfig, build, local_model_folder

_embedder = None


def quickstart_titles() -> list[str]:
    """Titles of items 1..n (file order = item id order)."""
    lines = (packaged_root() / "quickstart" / "items.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[2] for line in lines]


def minilm():
    global _embedder
    if _embedder is None:
        _embedder = build(SentenceTransformersConfig(), None)
    return _embedder


def title_vectors(cache, n: int) -> np.ndarray:
    """float32 [n, 384]: MiniLM embeddings of the first n quickstart titles (`cache`: pytest's, or None)."""
    titles = quickstart_titles()[:n]
    if cache is None:  # pytest run with -p no:cacheprovider
        return minilm().embed(titles, 256)
    key = hashlib.sha256("\n".join(titles).encode())
    for path in sorted(local_model_folder(SentenceTransformersConfig().model).rglob("*")):
        if path.is_file():
            key.update(f"{path.name}:{path.stat().st_size}".encode())
    file = cache.mkdir("sracl-minilm") / f"titles-{key.hexdigest()[:16]}.npy"
    if not file.exists():
        np.save(file, minilm().embed(titles, 256))
    return np.load(file)
