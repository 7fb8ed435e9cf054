"""The README's recipe reference names every key the schema accepts: sracl's own sections and the keys of
every built-in plugin of the plugin sections (loaders' keys are in the README's loader table)."""

from pathlib import Path

from sracl_cli import kinds, registry
from sracl_cli.recipe import RecipeModel

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PLUGIN_KINDS = [kind for kind in kinds.KINDS if kind is not kinds.DATASET]


def _builtin_keys() -> list[str]:
    keys = []
    for kind in PLUGIN_KINDS:
        for plugin in registry.discover(kind).values():
            if plugin.distribution == "sracl" and not (kind is kinds.BACKBONE and plugin.name != "sasrec"):
                section = f"{kind.section}.{plugin.name}" if kind.many else kind.section  # [logging.mlflow]
                keys += [f"{section}.{key}" for key in plugin.load().config_model.model_fields]
    return keys


def test_every_recipe_key_is_documented():
    keys = ["extends"] + [
        f"{section}.{key}"
        for section, field in RecipeModel.model_fields.items()
        if hasattr(field.annotation, "model_fields")
        for key in field.annotation.model_fields
    ]
    missing = [key for key in keys + _builtin_keys() if f"`{key}`" not in README]
    assert missing == []


def test_writing_a_plugin_covers_every_kind():
    section = README[README.index("## Writing a plugin"):]
    for kind in kinds.KINDS:
        assert f"`{kind.group}`" in section
        assert kind.spec_path.split(":")[1] + "(config_model=" in section, kind.label


def test_readme_shows_the_two_setup_commands():
    assert "make quickstart" in README and "make test" in README
