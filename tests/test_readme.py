"""The README's recipe reference names every key the schema accepts."""

from pathlib import Path

from sracl_cli.models.sasrec import SASRecConfig
from sracl_cli.recipe import RecipeModel

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
DOCUMENTED_SECTIONS = ("data", "model", "train", "eval", "output", "llm", "prompts", "embedding", "index", "sracl", "baselines")


def test_every_recipe_key_is_documented():
    keys = [
        f"{section}.{key}"
        for section in DOCUMENTED_SECTIONS
        for key in RecipeModel.model_fields[section].annotation.model_fields
    ]
    keys += [f"model.{key}" for key in SASRecConfig.model_fields]
    missing = [key for key in keys if f"`{key}`" not in README]
    assert missing == []


def test_readme_shows_the_two_setup_commands():
    assert "make quickstart" in README and "make test" in README
