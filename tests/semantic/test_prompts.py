"""Prompts on real data: the quickstart sample (titles from its shipped items.tsv) and, when present, Beauty."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from semantic_helpers import recipe_and_data, write_recipe

from sracl_cli.errors import UsageError
from sracl_cli.semantic.contexts import sample_contexts
from sracl_cli.semantic.prompts import build_prompts, item_attributes, item_titles
from sracl_cli.semantic.templates import ITEM_SYSTEM, USER_SYSTEM

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = """
name = "quickstart"
[data]
loader = "sracl-txt"
path = "packaged:quickstart/beauty_sample.txt"
items = "packaged:quickstart/items.tsv"
text_fields = ["title"]
"""


@pytest.fixture(scope="module")
def quickstart():
    return recipe_and_data(REPO / "tests" / "recipes" / "quickstart_prefix.toml")


@pytest.fixture(scope="module")
def quickstart_prompts(quickstart):
    return build_prompts(*quickstart)


def with_prompts(tmp_path: Path, prompts_toml: str):
    return recipe_and_data(write_recipe(tmp_path, QUICKSTART + "[prompts]\n" + prompts_toml))


def test_user_prompt_lists_the_unit_titles_in_order(quickstart_prompts):
    # User 1 of the sample bought items 1..9; prefix unit 2 is its first three items.
    prompt = quickstart_prompts.users[2]
    assert (prompt.kind, prompt.id) == ("user", 2)
    assert prompt.messages == [
        {"role": "system", "content": USER_SYSTEM.format(domain="products")},
        {
            "role": "user",
            "content": "<SUPER NAIL Professional Nail Liquid 4 oz>; "
            "<EZ Flow A Polymer False Nails, Pink, 4 Ounce>; "
            "<EZ Flow A Polymer False Nails, Clear, 4 Ounce>",
        },
    ]
    assert prompt.content == prompt.messages[1]["content"]


def test_one_prompt_per_item_and_per_unit(quickstart, quickstart_prompts):
    _, data = quickstart
    assert [p.id for p in quickstart_prompts.items] == list(range(1, data.n_items + 1))
    assert len(quickstart_prompts.users) == len(quickstart_prompts.units) == data.n_interactions - data.n_users
    assert all(p.messages[0]["content"] == ITEM_SYSTEM.format(domain="products") for p in quickstart_prompts.items)


def test_empty_titles_read_missing(quickstart):
    _, data = quickstart
    titles = item_titles(data)
    assert data.item_text["title"][704] == "" and titles[704] == "missing"
    assert titles[1] == "SUPER NAIL Professional Nail Liquid 4 oz"


def test_items_without_text_are_named_by_their_source_id(quickstart):
    _, data = quickstart
    bare = replace(data, item_text={})
    assert item_titles(bare)[:3] == ["", "item 1", "item 2"]
    assert item_attributes(bare, None, "recipe.toml")[2] == "id: 2"


def test_item_prompt_renders_attributes_and_sampled_contexts(quickstart, quickstart_prompts):
    recipe, data = quickstart
    section = recipe.config.prompts
    titles = item_titles(data)
    contexts = sample_contexts(data, section.contexts_per_item, section.context_len, section.seed)
    item = int(np.argmax(np.diff(contexts.item_offsets)))  # an item with the most contexts
    rows = contexts.of_item(item)
    assert len(rows) == 5
    expected = "#".join(
        "[" + " -> ".join(titles[i] for i in data.items[contexts.start[r] : contexts.end[r]]) + "]" for r in rows
    )
    assert quickstart_prompts.items[item - 1].content == (
        f"title: {titles[item]}\nsequences ending with this item: {expected}"
    )


def test_contexts_come_from_training_parts_only(quickstart):
    recipe, data = quickstart
    contexts = sample_contexts(data, per_item=5, context_len=11, seed=7)
    users = np.searchsorted(data.offsets, contexts.start, side="right") - 1
    last_training_end = data.offsets[users + 1] - 2  # t(n-1) and tn are validation and test
    assert np.all(contexts.start >= data.offsets[users])
    assert np.all(contexts.end <= last_training_end)
    lengths = contexts.end - contexts.start
    assert lengths.max() == 11 and lengths.min() >= 2
    owner = np.repeat(np.arange(data.n_items + 1), np.diff(contexts.item_offsets))
    assert np.array_equal(data.items[contexts.end - 1], owner)


def test_items_seen_only_in_validation_or_test_have_no_contexts(quickstart, quickstart_prompts):
    _, data = quickstart
    starts, ends = data.offsets[:-1], data.offsets[1:]
    position_in_user = np.arange(data.n_interactions) - np.repeat(starts, ends - starts)
    from_end = np.repeat(ends - starts, ends - starts) - position_in_user
    held_out = set(data.items[from_end <= 2].tolist())
    trained_as_non_first = set(data.items[(from_end > 2) & (position_in_user > 0)].tolist())
    only_held_out = sorted(held_out - trained_as_non_first)
    assert len(only_held_out) > 100
    for item in only_held_out:
        assert quickstart_prompts.items[item - 1].content.endswith("sequences ending with this item: none")


def test_prompts_are_deterministic_and_follow_the_seed(tmp_path, quickstart, quickstart_prompts):
    again = build_prompts(*quickstart)
    assert [p.messages for p in again] == [p.messages for p in quickstart_prompts]
    reseeded = build_prompts(*with_prompts(tmp_path, "seed = 1"))
    changed = sum(a.messages != b.messages for a, b in zip(reseeded.items, quickstart_prompts.items))
    assert changed > 100
    assert [p.messages for p in reseeded.users] == [p.messages for p in quickstart_prompts.users]


def test_recipe_templates_replace_the_defaults(tmp_path):
    recipe, data = with_prompts(
        tmp_path,
        'domain = "beauty products"\nuser_system = ""\nuser_template = "Bought ({domain}): {titles}"\n'
        'item_template = "{title} | {{json}} | {contexts}"\ncontexts_per_item = 0\n',
    )
    prompts = build_prompts(recipe, data)
    assert prompts.users[0].messages == [
        {"role": "user", "content": "Bought (beauty products): <SUPER NAIL Professional Nail Liquid 4 oz>"}
    ]
    assert prompts.items[0].content == "SUPER NAIL Professional Nail Liquid 4 oz | {json} | none"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('user_template = "{titles} and {colour}"', "prompts.user_template: unknown field {colour}"),
        ('item_system = "expert on {titles}"', "prompts.item_system: unknown field {titles}"),
        ('item_template = "{attributes} {"', "prompts.item_template: not a valid template"),
        ('user_system = "{}"', "prompts.user_system: unknown field {} (fields need a name)"),
    ],
)
def test_bad_templates_are_usage_errors(tmp_path, toml, expected):
    recipe, data = with_prompts(tmp_path, toml)
    with pytest.raises(UsageError) as info:
        build_prompts(recipe, data)
    assert info.value.lines[0].startswith(f"recipe.toml: {expected}")


def test_unknown_item_field_is_a_usage_error(tmp_path):
    recipe, data = with_prompts(tmp_path, 'item_fields = ["title", "brand"]')
    with pytest.raises(UsageError, match=r"prompts.item_fields: .*'brand'; its fields: title"):
        build_prompts(recipe, data)


def test_full_beauty_prompt_counts(shared_data):
    # Their time: bench/prompts.py.
    recipe, data = recipe_and_data(REPO / "recipes" / "beauty.toml")
    contexts = sample_contexts(data, 5, 11, 2024)
    assert contexts.item_offsets[-1] == len(contexts.start) <= 5 * data.n_items
    prompts = build_prompts(recipe, data)
    assert (len(prompts.items), len(prompts.users)) == (12_101, 176_139)
