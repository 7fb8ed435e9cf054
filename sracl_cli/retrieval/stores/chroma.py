"""The `chroma` store: Chroma HNSW collections, embedded in the run directory or on a Chroma server.

Collections hold only our vectors (`embedding_function=None`: Chroma's default function would download a
model), in cosine space, with the recipe's HNSW settings fixed at creation. A collection is named after
the namespace, the vectors' fingerprint and the creation-time HNSW settings, so rebuilding with the same
vectors reuses it; other collections of the same namespace are outdated and dropped. On a server, which
many runs share, the namespace also carries a hash of the run's index folder, so two recipes (or two runs
of one recipe name in different folders) never drop each other's collections. A server that cannot be
reached, or fails while the stage runs, is RunFailure naming `index.url` (the tables are written only
after every search, so a failed run leaves none). The store's keys in the recipe's [index] section (url,
HNSW settings) are `ChromaConfig`'s.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sracl_cli.errors import RunFailure, UsageError
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
    def __init__(self, collection, upsert_batch: int, url: str | None = None):
        self._collection = collection
        self._upsert_batch = upsert_batch
        self._url = url  # a server's; None for the embedded store

    @property
    def name(self) -> str:
        return self._collection.name

    def upsert(self, ids: np.ndarray, vectors: np.ndarray, metadata: list[dict] | None = None) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        for start in range(0, len(ids), self._upsert_batch):
            stop = start + self._upsert_batch
            with server_failures(self._url, f"storing {self.name}"):
                self._collection.upsert(
                    ids=[str(i) for i in ids[start:stop]],
                    embeddings=vectors[start:stop],
                    metadatas=metadata[start:stop] if metadata else None,
                )

    def count(self) -> int:
        with server_failures(self._url, f"counting {self.name}"):
            return self._collection.count()

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(vectors)
        ids = np.full((n, k), MISSING, dtype=np.int64)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        for start in range(0, n, QUERY_BATCH):
            block = np.asarray(vectors[start : start + QUERY_BATCH], dtype=np.float32)
            with server_failures(self._url, f"searching {self.name}"):
                result = self._collection.query(query_embeddings=block, n_results=k, include=["distances"])
            fill_rows(ids[start : start + len(block)], scores[start : start + len(block)], result)
        return ids, scores


@contextmanager
def server_failures(url: str | None, what: str) -> Iterator[None]:
    """A server's failure as one RunFailure line (chromadb reports it as httpx errors, ValueError, ...)."""
    if url is None:
        yield
        return
    try:
        yield
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RunFailure(f"index.url: the Chroma server at {url} failed while {what} ({type(error).__name__}: "
                         f"{reason}); no neighbour tables were written") from None


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
        raise RunFailure(f"index.url: no Chroma server answers at {config.url}: {error} (is `chroma run` "
                         "running there?)") from None
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


def server_namespace(namespace: str, folder: Path) -> str:
    """`namespace` made unique to the run's index folder, for a server that many runs share."""
    return f"{namespace}-{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]}"


def is_outdated(name: str, namespace: str, wanted: str) -> bool:
    """Another collection of this very namespace (not of one that merely starts like it: `a-items` vs `a`)."""
    rest = name.removeprefix(namespace_prefix(namespace))
    return name != wanted and rest != name and re.fullmatch(r"[0-9a-f]+-m\d+-c\d+", rest) is not None


def open_collection(client, config: ChromaConfig, namespace: str, fingerprint: str):
    wanted = collection_name(config, namespace, fingerprint)
    for existing in client.list_collections():
        if is_outdated(existing.name, namespace, wanted):
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
    if config.url is not None:
        namespace = server_namespace(namespace, folder)
    with server_failures(config.url, f"opening the collection of {namespace}"):
        collection = open_collection(client, config, namespace, fingerprint)
        batch = min(MAX_UPSERT_BATCH, client.get_max_batch_size())
    return ChromaStore(collection, batch, config.url)


SPEC = StoreSpec(
    config_model=ChromaConfig,
    open=open_store,
    recall_hint="raise index.hnsw_search_ef (or hnsw_construction_ef / hnsw_m)",
    description="Chroma HNSW collections, embedded in the run directory or on a Chroma server (url)",
)
