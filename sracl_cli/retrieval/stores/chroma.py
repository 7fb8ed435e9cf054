"""The `chroma` store: Chroma HNSW collections, embedded in the run directory or on a Chroma server.

Collections hold only our vectors (`embedding_function=None`: Chroma's default function would download a
model), in cosine space, with the recipe's HNSW settings fixed at creation. A collection is named after
the namespace, the vectors' fingerprint and the creation-time HNSW settings, so rebuilding with the same
vectors reuses it; other collections of the same namespace are outdated and dropped. The store's keys in
the recipe's [index] section (url, HNSW settings) are `ChromaConfig`'s.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import UsageError
from sracl_cli.retrieval.stores.protocol import MISSING, StoreSpec

MAX_UPSERT_BATCH = 5461  # Chroma's own limit for an embedded store (SQLite's variable limit)
QUERY_BATCH = 1000


class ChromaConfig(BaseModel):
    """The `chroma` store's keys of the recipe's [index] section."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="Chroma server URL; default: embedded store in the run directory")
    hnsw_m: int = Field(32, gt=0)
    hnsw_construction_ef: int = Field(200, gt=0)
    hnsw_search_ef: int = Field(200, gt=0)


class ChromaStore:
    def __init__(self, collection, upsert_batch: int):
        self._collection = collection
        self._upsert_batch = upsert_batch

    @property
    def name(self) -> str:
        return self._collection.name

    def upsert(self, ids: np.ndarray, vectors: np.ndarray, metadata: list[dict] | None = None) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), self._upsert_batch):
            stop = start + self._upsert_batch
            self._collection.upsert(
                ids=[str(i) for i in ids[start:stop]],
                embeddings=vectors[start:stop],
                metadatas=metadata[start:stop] if metadata else None,
            )

    def count(self) -> int:
        return self._collection.count()

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(vectors)
        ids = np.full((n, k), MISSING, dtype=np.int64)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        for start in range(0, n, QUERY_BATCH):
            block = np.asarray(vectors[start : start + QUERY_BATCH], dtype=np.float32)
            result = self._collection.query(query_embeddings=block, n_results=k, include=["distances"])
            fill_rows(ids[start : start + len(block)], scores[start : start + len(block)], result)
        return ids, scores


def fill_rows(ids: np.ndarray, scores: np.ndarray, result) -> None:
    """Chroma's ragged lists of string ids and cosine distances → our arrays (already MISSING-padded)."""
    found_ids, distances = result["ids"], result["distances"]
    if all(len(row) == ids.shape[1] for row in found_ids):
        ids[:] = np.asarray(found_ids).astype(np.int64)
        scores[:] = 1.0 - np.asarray(distances, dtype=np.float32)
        return
    for row, (row_ids, row_distances) in enumerate(zip(found_ids, distances)):
        ids[row, : len(row_ids)] = np.asarray(row_ids).astype(np.int64)
        scores[row, : len(row_distances)] = 1.0 - np.asarray(row_distances, dtype=np.float32)


def connect(config: ChromaConfig, folder: Path):
    import chromadb
    from chromadb.config import Settings

    # Chroma calls a collection without an embedding function "legacy"; having none is the point here.
    warnings.filterwarnings("ignore", message="legacy embedding function config", category=DeprecationWarning)
    settings = Settings(anonymized_telemetry=False)
    if config.url is None:
        folder.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(folder), settings=settings)
    url = urlparse(config.url if "://" in config.url else f"http://{config.url}")
    if not url.hostname:
        raise UsageError(f"index.url: expected http://HOST:PORT, got '{config.url}'")
    ssl = url.scheme == "https"
    try:
        port = url.port or (443 if ssl else 8000)
        client = chromadb.HttpClient(host=url.hostname, port=port, ssl=ssl, settings=settings)
        client.heartbeat()
    except Exception as error:  # chromadb reports a missing server as ValueError, httpx errors, ...
        raise UsageError(f"index.url: no Chroma server answers at {config.url}: {error}") from None
    return client


def collection_name(config: ChromaConfig, namespace: str, fingerprint: str) -> str:
    return f"{namespace_prefix(namespace)}{fingerprint}-m{config.hnsw_m}-c{config.hnsw_construction_ef}"


def namespace_prefix(namespace: str) -> str:
    return f"sracl-{namespace}-"  # Chroma names must start with a letter or digit


def hnsw_configuration(config: ChromaConfig) -> dict:
    return {
        "hnsw": {
            "space": "cosine",
            "max_neighbors": config.hnsw_m,
            "ef_construction": config.hnsw_construction_ef,
            "ef_search": config.hnsw_search_ef,
        }
    }


def open_collection(client, config: ChromaConfig, namespace: str, fingerprint: str):
    wanted = collection_name(config, namespace, fingerprint)
    for existing in client.list_collections():
        if existing.name.startswith(namespace_prefix(namespace)) and existing.name != wanted:
            client.delete_collection(existing.name)
    collection = client.get_or_create_collection(
        wanted, configuration=hnsw_configuration(config), embedding_function=None
    )
    # ef_search is a query-time setting: a reused collection takes the recipe's current value.
    if (collection.configuration_json.get("hnsw") or {}).get("ef_search") != config.hnsw_search_ef:
        collection.modify(configuration={"hnsw": {"ef_search": config.hnsw_search_ef}})
    return collection


def open_store(config: ChromaConfig, folder: Path, namespace: str, fingerprint: str) -> ChromaStore:
    client = connect(config, folder / "chroma")
    collection = open_collection(client, config, namespace, fingerprint)
    return ChromaStore(collection, min(MAX_UPSERT_BATCH, client.get_max_batch_size()))


SPEC = StoreSpec(
    config_model=ChromaConfig,
    open=open_store,
    recall_hint="raise index.hnsw_search_ef (or hnsw_construction_ef / hnsw_m)",
    description="Chroma HNSW collections, embedded in the run directory or on a Chroma server (url)",
)
