"""Helpers for the semantic tests: small real datasets cut from the quickstart sample, recipes around them."""

from __future__ import annotations

from pathlib import Path

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.load import load_dataset
from sracl_cli.paths import packaged_root
from sracl_cli.recipe import Recipe, load_recipe

QUICKSTART = packaged_root() / "quickstart"
KEY_ENV = "SRACL_TEST_LLM_KEY"


def cut_quickstart(folder: Path, n_users: int, titles: dict[int, str] | None = None) -> tuple[Path, Path]:
    """The first `n_users` users of the quickstart sample, items renumbered 1..N by first appearance.

    `titles` replaces the titles of some (renumbered) items. Returns (interactions file, items file).
    """
    source_titles = _quickstart_titles()
    new_id: dict[int, int] = {}
    lines = []
    for line in (QUICKSTART / "beauty_sample.txt").read_text().splitlines():
        user, item = map(int, line.split())
        if user > n_users:
            break
        lines.append(f"{user} {new_id.setdefault(item, len(new_id) + 1)}")
    folder.mkdir(parents=True, exist_ok=True)
    interactions = folder / "interactions.txt"
    interactions.write_text("\n".join(lines) + "\n")
    items = folder / "items.tsv"
    rows = ["item_id\ttitle"]
    for old, new in new_id.items():
        rows.append(f"{new}\t{(titles or {}).get(new, source_titles[old])}")
    items.write_text("\n".join(rows) + "\n")
    return interactions, items


def _quickstart_titles() -> dict[int, str]:
    titles = {}
    for row in (QUICKSTART / "items.tsv").read_text().splitlines()[1:]:
        item_id, _asin, title = row.split("\t")
        titles[int(item_id)] = title
    return titles


def write_recipe(folder: Path, body: str, name: str = "recipe.toml") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def data_section(interactions: Path, items: Path) -> str:
    return f'[data]\nloader = "sracl-txt"\npath = "{interactions}"\nitems = "{items}"\n'


def litellm_recipe(folder: Path, api_base: str, data: str, **llm) -> Recipe:
    """A recipe using the litellm provider against `api_base`, its cache and run folder under `folder`."""
    settings = {
        "provider": "litellm",
        "model": "openai/test-model",
        "api_base": api_base,
        "api_key_env": KEY_ENV,
        "cache": str(folder / "cache" / "llm.sqlite"),
        **llm,
    }
    llm_lines = "\n".join(f"{key} = {_toml(value)}" for key, value in settings.items())
    body = f'name = "tiny"\n{data}\n[llm]\n{llm_lines}\n\n[output]\ndir = "{folder / "runs" / "tiny"}"\n'
    return load_recipe(write_recipe(folder, body))


def recipe_and_data(path: Path, overrides: list[str] | None = None) -> tuple[Recipe, SequenceData]:
    recipe = load_recipe(path, overrides)
    return recipe, load_dataset(recipe)


def _toml(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return str(value).lower() if isinstance(value, bool) else str(value)
