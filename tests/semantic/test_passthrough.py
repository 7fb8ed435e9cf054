"""The `passthrough` provider: each text is the prompt's own user message, no LLM and no cache."""

from __future__ import annotations

import io

from rich.console import Console
from semantic_helpers import cut_quickstart, data_section, write_recipe

from sracl_cli import kinds, registry
from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.generate import generate_texts
from sracl_cli.semantic.prompts import build_prompts


def test_texts_are_the_user_messages_and_nothing_is_written(tmp_path):
    data = data_section(*cut_quickstart(tmp_path / "data", 8))
    body = f'name = "tiny"\n{data}\n[output]\ndir = "{tmp_path / "runs" / "x"}"\n'
    recipe = load_recipe(write_recipe(tmp_path, body))
    dataset = load_dataset(recipe)
    out = Console(file=io.StringIO(), width=120)
    texts = generate_texts(recipe, dataset, out)
    prompts = build_prompts(recipe, dataset)
    assert texts.item_texts == ["", *(p.content for p in prompts.items)]
    assert texts.unit_texts == [p.content for p in prompts.users]
    assert texts.unit_texts[0].startswith("<") and "sequences ending with this item:" in texts.item_texts[1]
    assert len(texts.units) == len(texts.unit_texts) == 52
    assert texts.stats["calls"] == 111 and texts.stats["cost_usd"] == 0 and texts.stats["json_unparsable"] == 0
    assert not (tmp_path / "runs").exists()
    printed = out.file.getvalue()
    assert printed == "texts: 111 prompts used as written (passthrough calls no model)\n"  # no retries, tokens, cost


def test_both_providers_are_registered_and_import_without_litellm():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sracl_cli import kinds, registry\n"
        "specs = [registry.load(kinds.LLM_PROVIDER, n) for n in ('passthrough', 'litellm')]\n"
        "assert [s.generates for s in specs] == [False, True]\n"
        "assert 'litellm' not in sys.modules, 'litellm imported too early'\n"
    )
    assert sorted(registry.discover(kinds.LLM_PROVIDER)) == ["litellm", "passthrough"]
    subprocess.run([sys.executable, "-c", code], check=True)
