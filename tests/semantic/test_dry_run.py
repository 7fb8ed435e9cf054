"""`dry_run_report`: counts, token and cost estimates, sample prompts; nothing is sent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from llm_server import FakeLLMServer
from rich.console import Console
from semantic_helpers import KEY_ENV, cut_quickstart, data_section, litellm_recipe, recipe_and_data

from sracl_cli.data.load import load_dataset
from sracl_cli.semantic.dry_run import dry_run_report
from sracl_cli.semantic.generate import generate_texts

REPO = Path(__file__).resolve().parents[2]


def console() -> Console:
    return Console(file=io.StringIO(), width=200)


@pytest.mark.slow
def test_full_beauty_counts_and_priced_estimate(shared_data):
    # Its time: bench/prompts.py.
    recipe, data = recipe_and_data(
        REPO / "recipes" / "beauty.toml", ["llm.provider=litellm", "llm.model=deepseek/deepseek-chat"]
    )
    out = console()
    report = dry_run_report(recipe, data, out)
    assert (report["item_prompts"], report["user_prompts"]) == (12_101, 176_139)
    assert report["input_token_method"].startswith("litellm.token_counter for deepseek/deepseek-chat on a sample")
    total_input = sum(report["input_tokens"].values())
    assert 30e6 < total_input < 80e6  # ~500 characters of titles per unit plus the system text
    assert report["output_tokens_max"] == {"item": 12_101 * 256, "user": 176_139 * 256}
    assert 0 < report["cost_usd_typical"] < report["cost_usd_max"]
    assert [(s["kind"], s["id"]) for s in report["samples"]][:2] == [("item", 1), ("user", 0)]
    assert len(report["samples"]) == 3 and report["samples"][2]["kind"] == "user"
    printed = out.file.getvalue()
    assert "188,240" in printed and "cost (LiteLLM price map): about $" in printed
    assert "sample item prompt 1" in printed and "nothing was sent" in printed


def test_passthrough_without_model_estimates_from_characters():
    recipe, data = recipe_and_data(REPO / "tests" / "recipes" / "quickstart_prefix.toml")
    out = console()
    report = dry_run_report(recipe, data, out)
    assert (report["item_prompts"], report["user_prompts"]) == (7_216, 15_115)
    assert report["input_token_method"] == "characters / 4 (no llm.model to count with)"
    assert report["cost_usd_typical"] == 0 and report["cached"] is None
    assert report["output_tokens_typical"] == report["output_tokens_max"] == {"item": 0, "user": 0}
    printed = out.file.getvalue()
    assert "cost: none (passthrough calls no model)" in printed
    assert "tokens" not in printed  # nothing is sent to a model: no token counts to show


@pytest.mark.slow
def test_sends_nothing_and_counts_what_the_cache_already_holds(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-dry-run")
    data = data_section(*cut_quickstart(tmp_path / "data", 8))
    with FakeLLMServer() as server:
        recipe = litellm_recipe(tmp_path, server.api_base, data)
        first = dry_run_report(recipe, load_dataset(recipe), console())
        assert server.requests == 0 and first["cached"] is None
        generate_texts(recipe, load_dataset(recipe), console())
        server.reset_counts()
        out = console()
        second = dry_run_report(recipe, load_dataset(recipe), out)
        assert server.requests == 0
    assert second["cached"] == 59 + 52
    assert second["cost_usd_typical"] is None
    printed = out.file.getvalue()
    assert "not priced" in printed and "already in the response cache: 111 of 111 prompts" in printed
