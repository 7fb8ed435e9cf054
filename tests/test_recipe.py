"""Recipe validation: one line per problem as `file: dotted.key: reason`, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from sracl_cli import registry
from sracl_cli.errors import UsageError
from sracl_cli.recipe import load_recipe

BAD_RECIPES = [
    ("[model]\nn_layers = 0\n", ["recipe.toml: model.n_layers: Input should be greater than 0"]),
    ("[train]\nlrr = 0.1\n", ["recipe.toml: train.lrr: Extra inputs are not permitted"]),
    ("[trian]\nlr = 0.1\n", ["recipe.toml: trian: Extra inputs are not permitted"]),
    ("[train]\ndevice = \"tpu\"\n", ["recipe.toml: train.device: Input should be 'cpu', 'cuda' or 'auto'"]),
    ("[train]\nbatch_size = 12.5\n",
     ["recipe.toml: train.batch_size: Input should be a valid integer, got a number with a fractional part"]),
    ("[eval]\nearly_stop_metric = \"mrr@50\"\n",
     ["recipe.toml: eval.early_stop_metric: K must be one of eval.ks [5, 10, 20]"]),
    ("[eval]\nearly_stop_metric = \"recall@10\"\n",
     ["recipe.toml: eval.early_stop_metric: expected hr@K, ndcg@K or mrr@K"]),
    ("[eval]\nks = [10, 0]\n", ["recipe.toml: eval.ks: every k must be greater than 0"]),
    ("[model]\nhidden = 65\n", ["recipe.toml: model: hidden (65) must be divisible by n_heads (2)"]),
    ("[model]\ndropout = 1.5\nattention = 3\n",
     ["recipe.toml: model.dropout: Input should be less than 1",
      "recipe.toml: model.attention: Extra inputs are not permitted"]),
    ("[train]\nepochs = \"ten\"\n",
     ["recipe.toml: train.epochs: Input should be a valid integer, unable to parse string as an integer"]),
    ("name = \"my run\"\n", ["recipe.toml: name: String should match pattern '^[A-Za-z0-9_.-]+$'"]),
    ("[model]\nbackbone = \"nope\"\n", None),  # message depends on what is installed: checked below
]


@pytest.mark.parametrize("extra, expected", BAD_RECIPES)
def test_bad_recipe_reports_file_key_reason_and_writes_nothing(tmp_path, extra, expected):
    out = tmp_path / "out"
    recipe = write_recipe(tmp_path, (extra if extra.startswith("name") else "") + QUICKSTART_DATA
                          + ("" if extra.startswith("name") else extra))
    if expected is None:
        installed = ", ".join(registry.discover("backbone"))
        expected = [f"recipe.toml: model.backbone: unknown backbone 'nope'; installed: {installed}"]
    for command in ("validate", "train"):
        result = run_cli(command, recipe, "--set", f'output.dir="{out}"')
        assert result.exit_code == 2
        assert result.stderr.splitlines() == expected
        assert not out.exists()


def test_toml_syntax_error(tmp_path):
    recipe = write_recipe(tmp_path, "[train\nlr = 1\n")
    result = run_cli("validate", recipe)
    assert result.exit_code == 2
    assert result.stderr.startswith("recipe.toml: TOML syntax error: ")
    assert "line 1" in result.stderr


def test_missing_recipe_file(tmp_path):
    result = run_cli("validate", tmp_path / "absent.toml")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path / 'absent.toml'}: recipe file not found"


def test_missing_data_file_and_unset_data_env(tmp_path, monkeypatch):
    monkeypatch.delenv("SRACL_DATA", raising=False)
    recipe = write_recipe(
        tmp_path, '[data]\npath = "data/none.txt"\nitems = "${SRACL_DATA}/titles.tsv"\n'
    )
    result = run_cli("validate", recipe)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"recipe.toml: data.path: file not found: {tmp_path / 'data' / 'none.txt'}",
        "recipe.toml: data.items: environment variable SRACL_DATA is not set "
        "(the folder holding the datasets; see README 'Data')",
    ]


def test_relative_paths_resolve_against_the_recipe_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("1 1\n")
    recipe_dir = tmp_path / "recipes"
    recipe_dir.mkdir()
    recipe = write_recipe(recipe_dir, '[data]\npath = "../data/x.txt"\n[output]\ndir = "out"\n')
    monkeypatch.chdir(tmp_path)
    resolved = load_recipe(recipe).to_dict()
    assert resolved["data"]["path"] == str(tmp_path / "data" / "x.txt")
    assert resolved["output"]["dir"] == str(recipe_dir / "out")


def test_defaults_are_the_papers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recipe = load_recipe(write_recipe(tmp_path, QUICKSTART_DATA, name="demo.toml"))
    resolved = recipe.to_dict()
    assert resolved["name"] == "demo"
    assert resolved["output"]["dir"] == str(tmp_path / "runs" / "demo")
    assert resolved["data"]["max_len"] == 20
    assert resolved["model"] == {
        "backbone": "sasrec", "hidden": 64, "n_layers": 2, "n_heads": 2, "inner": 256, "dropout": 0.5,
        "attn_dropout": 0.5, "init_std": 0.02, "layer_norm_eps": 1e-12,
    }
    train = resolved["train"]
    assert (train["epochs"], train["batch_size"], train["lr"], train["patience"]) == (100, 256, 1e-3, 10)
    assert resolved["eval"]["ks"] == [5, 10, 20] and resolved["eval"]["mask_history"] is False


def test_overrides_are_typed_through_the_schema(tmp_path):
    recipe = write_recipe(tmp_path, QUICKSTART_DATA)
    resolved = load_recipe(
        recipe,
        ["train.lr=0.01", "eval.ks=[10, 5]", "train.device=cuda", "model.n_layers=3", 'name="other"',
         "eval.mask_history=true"],
    ).to_dict()
    assert resolved["train"]["lr"] == 0.01
    assert resolved["eval"]["ks"] == [5, 10]
    assert resolved["train"]["device"] == "cuda"
    assert resolved["model"]["n_layers"] == 3
    assert resolved["name"] == "other"
    assert resolved["eval"]["mask_history"] is True


def test_override_errors(tmp_path):
    recipe = write_recipe(tmp_path, QUICKSTART_DATA)
    result = run_cli("validate", recipe, "--set", "train.lrr=1", "--set", "model.n_heads=0")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "recipe.toml: train.lrr: Extra inputs are not permitted (from --set)",
        "recipe.toml: model.n_heads: Input should be greater than 0 (from --set)",
    ]
    with pytest.raises(UsageError, match="--set expects section.key=value, got 'train.lr'"):
        load_recipe(recipe, ["train.lr"])
    with pytest.raises(UsageError, match="--set name.x: 'name' is not a section"):
        load_recipe(recipe, ['name="a"', "name.x=1"])


def test_validate_prints_the_resolved_recipe(tmp_path):
    recipe = write_recipe(tmp_path, QUICKSTART_DATA)
    result = run_cli("validate", recipe, "--set", "train.epochs=3")
    assert result.exit_code == 0
    import tomllib

    printed = tomllib.loads(result.stdout)
    assert printed["train"]["epochs"] == 3
    assert printed["data"]["path"].endswith("sracl_cli/packaged/quickstart/beauty_sample.txt")
    assert set(printed) >= {"data", "model", "train", "eval", "output", "llm", "embedding", "index", "sracl"}


def test_shipped_recipes_validate(shared_data):
    recipes = sorted((Path(__file__).parents[1] / "recipes").glob("*.toml"))
    assert {p.stem for p in recipes} >= {"quickstart", "beauty", "office", "sports", "yelp", "scientific"}
    for path in recipes:
        assert load_recipe(path).name == path.stem
