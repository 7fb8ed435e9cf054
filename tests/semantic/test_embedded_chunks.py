"""An interrupted `sracl embed` resumes from the chunks it kept, with the vectors of an uninterrupted run."""

from __future__ import annotations

import numpy as np
import pytest
from rich.console import Console
from semantic_helpers import cut_quickstart, data_section, write_recipe

from minilm_vectors import minilm, quickstart_titles
from sracl_cli.errors import RunFailure, UsageError
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.embedded_chunks import CHUNK_BATCHES, KEPT_FILE, KeptChunks, embed_in_chunks
from sracl_cli.semantic.embedders.sbert import SentenceTransformerEmbedder
from sracl_cli.semantic.stage import run_embed

IDENTITY = {"embedder": "sentence-transformers", "batch_size": 2}


class Counting:
    """An embedder that passes calls on, counting the texts it was asked for; fails at call `fail_at`."""

    def __init__(self, inner, fail_at: int | None = None):
        self.inner, self.fail_at, self.calls, self.texts = inner, fail_at, 0, 0
        self.name = inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts, batch_size):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RunFailure("killed")
        self.texts += len(texts)
        return self.inner.embed(texts, batch_size)


def test_chunks_give_the_vectors_of_one_call_bit_for_bit(tmp_path):
    titles = quickstart_titles()[:150]
    with KeptChunks(tmp_path / KEPT_FILE, IDENTITY) as kept:
        chunked = embed_in_chunks(minilm(), titles, 2, kept, None)
    np.testing.assert_array_equal(chunked, minilm().embed(titles, 2))


def test_a_resumed_run_embeds_only_the_chunks_not_kept(tmp_path):
    titles = quickstart_titles()[:150]
    size = 2 * CHUNK_BATCHES
    with KeptChunks(tmp_path / KEPT_FILE, IDENTITY) as kept, pytest.raises(RunFailure):
        embed_in_chunks(Counting(minilm(), fail_at=3), titles, 2, kept, None)
    done = []
    resumed = Counting(minilm())
    with KeptChunks(tmp_path / KEPT_FILE, IDENTITY) as kept:
        vectors = embed_in_chunks(resumed, titles, 2, kept, done.append)
    assert kept.recalled == 2 * size and resumed.texts == len(titles) - 2 * size
    assert done == [size, size]  # read-back chunks count as progress; the embedder counts its own batches
    np.testing.assert_array_equal(vectors, minilm().embed(titles, 2))


def test_another_identity_reads_nothing_back(tmp_path):
    titles = quickstart_titles()[:40]
    with KeptChunks(tmp_path / KEPT_FILE, IDENTITY) as kept:
        embed_in_chunks(minilm(), titles, 2, kept, None)
    other = Counting(minilm())
    with KeptChunks(tmp_path / KEPT_FILE, {**IDENTITY, "keys": {"dtype": "bfloat16"}}) as kept:
        embed_in_chunks(other, titles, 2, kept, None)
    assert kept.recalled == 0 and other.texts == len(titles)


def embed_recipe(folder, data):
    body = (f'name = "chunks"\n{data}\n[llm]\nprovider = "passthrough"\n\n[embedding]\nbatch_size = 4\n\n'
            f'[output]\ndir = "{folder}"\n')
    return load_recipe(write_recipe(folder.parent, body, f"{folder.name}.toml"))


@pytest.mark.slow
def test_the_embed_stage_resumes_after_a_failure_and_cleans_up(tmp_path, monkeypatch):
    data = data_section(*cut_quickstart(tmp_path / "data", 40))
    clean = embed_recipe(tmp_path / "clean", data)
    run_embed(clean, Console(width=120))

    encode, calls = SentenceTransformerEmbedder._encode, []

    def failing(self, batch):
        calls.append(len(batch))
        if len(calls) == 3 * CHUNK_BATCHES + 1:  # the first batch of the fourth chunk of items
            raise RunFailure("killed")
        return encode(self, batch)

    monkeypatch.setattr(SentenceTransformerEmbedder, "_encode", failing)
    resumed = embed_recipe(tmp_path / "resumed", data)
    with pytest.raises(RunFailure):
        run_embed(resumed, Console(width=120))
    assert (tmp_path / "resumed" / "embed" / KEPT_FILE).is_file()
    assert not (tmp_path / "resumed" / "embed" / "items.npy").exists()
    monkeypatch.undo()
    console = Console(record=True, width=120)
    run_embed(resumed, console)
    assert f"resumed: {3 * CHUNK_BATCHES * 4:,} texts read back" in console.export_text()
    for name in ("items.npy", "users.npy"):
        np.testing.assert_array_equal(np.load(tmp_path / "resumed" / "embed" / name),
                                      np.load(tmp_path / "clean" / "embed" / name))
    assert not list((tmp_path / "resumed" / "embed").glob(f"{KEPT_FILE}*"))
    assert not list((tmp_path / "clean" / "embed").glob(f"{KEPT_FILE}*"))


def test_a_damaged_file_is_named_with_what_to_do(tmp_path):
    (tmp_path / KEPT_FILE).write_bytes(b"not a database at all, " * 100)
    with pytest.raises(UsageError, match=f"{KEPT_FILE}: the kept embedding chunks cannot be read .*delete the file"):
        KeptChunks(tmp_path / KEPT_FILE, IDENTITY)
