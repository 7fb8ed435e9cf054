"""Response-cache keys are those of earlier sracl versions: a cache filled before stays valid (paid replies
are never bought twice).

The digests below were computed with sracl at commit 505373c, when the provider's keys were still core
[llm] keys; they cover every prompt's key for the quickstart's first 8 users.
"""

from __future__ import annotations

import hashlib

import pytest
from semantic_helpers import KEY_ENV, cut_quickstart, data_section, write_recipe

from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.generate import cache_keys, load_provider, prompt_keys, provider_spec
from sracl_cli.semantic.prompts import build_prompts

LOCAL = """
[llm]
provider = "litellm"
model = "openai/test-model"
api_base = "http://127.0.0.1:8080/v1"
api_key_env = "SRACL_TEST_LLM_KEY"
temperature = 0
max_tokens = 128
concurrency = 3
max_retries = 1
timeout = 5
"""
HOSTED = """
[llm]
provider = "litellm"
model = "deepseek/deepseek-chat"
temperature = 0.7
top_p = 0.9
max_tokens = 100
item_reply_format = "json_schema"
[prompts]
user_unit = "user"
"""
CASES = {
    "local": (
        LOCAL,
        {"provider": "litellm", "model": "openai/test-model", "api_base": "http://127.0.0.1:8080/v1",
         "temperature": 0.0, "top_p": 0.001, "max_tokens": 128},
        111,
        "2cdca158963f17515489362411a68a7d677aa219cce7f549990636f3fd046908",
    ),
    "hosted": (
        HOSTED,
        {"provider": "litellm", "model": "deepseek/deepseek-chat", "temperature": 0.7, "top_p": 0.9,
         "max_tokens": 100},
        67,
        "221258f6b34c2e8aea0207aa2c689c0325bd114a1b4743e10f9e047da4136d10",
    ),
}


def recipe_with(tmp_path, llm: str):
    data = data_section(*cut_quickstart(tmp_path / "data", 8))
    return load_recipe(write_recipe(tmp_path, f'name = "keys"\n{data}\n{llm}'))


@pytest.mark.parametrize("case", list(CASES))
def test_cache_keys_are_those_of_earlier_versions(tmp_path, monkeypatch, case):
    monkeypatch.setenv(KEY_ENV, "sk-test-keys")
    llm, identity, n_prompts, digest = CASES[case]
    recipe = recipe_with(tmp_path, llm)
    prompts = build_prompts(recipe, load_dataset(recipe))
    provider = load_provider(recipe)
    assert provider_spec(recipe).identity(recipe.plugins["llm"]) == provider.identity() == identity
    keys = prompt_keys(provider, prompts)  # what generate_texts looks up and stores
    assert len(keys) == n_prompts
    assert hashlib.sha256("\n".join(keys).encode()).hexdigest() == digest
    assert keys == cache_keys(identity, prompts)  # and what a dry run counts as cached


def test_passthrough_identity_is_unchanged(tmp_path):
    recipe = recipe_with(tmp_path, "")
    assert provider_spec(recipe).identity(recipe.plugins["llm"]) == {"provider": "passthrough"}
    assert load_provider(recipe).identity() == {"provider": "passthrough"}
