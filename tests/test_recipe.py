"""Recipe validation: one line per problem as `file: dotted.key: reason`, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from sracl_cli import kinds, registry
from sracl_cli.errors import UsageError
from sracl_cli.recipe import load_recipe

BAD_RECIPES = [
    ("[model]\nn_layers = 0\n", ["recipe.toml: model.n_layers: Input should be greater than 0"]),
    ("[train]\nlrr = 0.1\n", ["recipe.toml: train.lrr: Extra inputs are not permitted"]),
    ("[trian]\nepochs = 1\n", ["recipe.toml: trian: Extra inputs are not permitted"]),
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
    ("[objective]\nname = \"sracl\"\nalpha = -1\nalhpa = 1\n",
     ["recipe.toml: objective.alpha: Input should be greater than or equal to 0",
      "recipe.toml: objective.alhpa: Extra inputs are not permitted"]),
    ("[objective]\nname = \"none\"\nweight = 0.1\n", ["recipe.toml: objective.weight: Extra inputs are not permitted"]),
    ("[optimizer]\nname = \"sgd\"\nbetas = [0.9, 1.5]\n",
     ["recipe.toml: optimizer.name: Input should be 'adam' or 'adamw'",
      "recipe.toml: optimizer.betas: each beta must be in [0, 1)"]),
    ("[train]\nobjective = \"sracl\"\nlr = 0.1\n[sracl]\nalpha = 0.2\n",
     ["recipe.toml: train.objective: moved to objective.name", "recipe.toml: train.lr: moved to optimizer.lr",
      'recipe.toml: sracl: moved to [objective] with name = "sracl"']),
]


@pytest.mark.parametrize("extra, expected", BAD_RECIPES)
def test_bad_recipe_reports_file_key_reason_and_writes_nothing(tmp_path, extra, expected):
    out = tmp_path / "out"
    recipe = write_recipe(tmp_path, (extra if extra.startswith("name") else "") + QUICKSTART_DATA
                          + ("" if extra.startswith("name") else extra))
    if expected is None:
        installed = ", ".join(registry.discover(kinds.BACKBONE))
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
        "attn_dropout": 0.5, "init_std": 0.02, "layer_norm_eps": 1e-12, "positions": "padded",
    }
    train = resolved["train"]
    assert (train["epochs"], train["batch_size"], train["patience"]) == (100, 256, 10)
    assert train["samples"] == "prefix"  # one sample per training prefix, as the paper
    assert resolved["optimizer"] == {"name": "adam", "lr": 1e-3, "weight_decay": 0.0, "betas": [0.9, 0.999],
                                     "eps": 1e-8, "schedule": "constant", "warmup_steps": 0}
    assert resolved["objective"] == {"name": "none"}
    assert resolved["eval"]["ks"] == [5, 10, 20] and resolved["eval"]["mask_history"] is False


def test_overrides_are_typed_through_the_schema(tmp_path):
    recipe = write_recipe(tmp_path, QUICKSTART_DATA)
    resolved = load_recipe(
        recipe,
        ["optimizer.lr=0.01", "eval.ks=[10, 5]", "train.device=cuda", "model.n_layers=3", 'name="other"',
         "eval.mask_history=true"],
    ).to_dict()
    assert resolved["optimizer"]["lr"] == 0.01
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
    with pytest.raises(UsageError, match="--set expects section.key=value, got 'optimizer.lr'"):
        load_recipe(recipe, ["optimizer.lr"])
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
    assert set(printed) >= {
        "data", "model", "objective", "optimizer", "train", "eval", "output", "llm", "embedding", "index"
    }


def test_shipped_recipes_validate(shared_data):
    recipes = sorted((Path(__file__).parents[1] / "recipes").glob("*.toml"))
    assert {p.stem for p in recipes} >= {"quickstart", "beauty", "office", "sports", "yelp", "scientific"}
    for path in recipes:
        assert load_recipe(path).name == path.stem


def test_every_recipe_under_recipes_validates(shared_data):
    root = Path(__file__).parents[1] / "recipes"
    recipes = [p for p in sorted(root.rglob("*.toml")) if not p.name.endswith("report.toml")]
    assert len(recipes) >= 20
    for path in recipes:
        load_recipe(path)


def test_every_shipped_evaluation_only_recipe_reads_the_run_of_the_recipe_it_extends(shared_data):
    import tomllib

    root = Path(__file__).parents[1] / "recipes"
    checked = 0
    for path in sorted(root.rglob("*.toml")):
        if path.name.endswith("report.toml") or "weights_from" not in path.read_text():
            continue
        base = tomllib.loads(path.read_text())["extends"]
        recipe, trained = load_recipe(path), load_recipe(path.parent / base)
        assert recipe.config.eval.weights_from == trained.run_dir, path
        checked += 1
    assert checked >= 2  # the Beauty history-masked recipes


def test_the_scientific_ablations_state_only_what_they_change(shared_data):
    folder = Path(__file__).parents[1] / "recipes" / "repro" / "scientific"
    bank = load_recipe(folder / "sracl_bank.toml").to_dict()
    no_cs = load_recipe(folder / "ablation_no_cs.toml").to_dict()
    flat = {name: _flatten(resolved) for name, resolved in (("bank", bank), ("no_cs", no_cs))}
    changed = {key for key in flat["bank"] if flat["bank"][key] != flat["no_cs"].get(key)}
    assert changed == {"name", "objective.alpha", "train.seeds", "output.dir"}


def _flatten(resolved: dict) -> dict:
    return {f"{section}.{key}" if isinstance(values, dict) else section: value
            for section, values in resolved.items()
            for key, value in (values.items() if isinstance(values, dict) else [("", values)])}


def test_a_recipe_extends_others_in_order_and_states_only_what_it_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_recipe(tmp_path, 'name = "base"\n' + QUICKSTART_DATA + '[train]\nepochs = 7\nseed = 1\n'
                 '[objective]\nname = "sracl"\nalpha = 0.3\nbeta = 0.4\n[output]\ndir = "base-run"\n',
                 name="base.toml")
    write_recipe(tmp_path, '[train]\nseed = 2\n[eval]\nks = [10]\nearly_stop_metric = "hr@10"\n', name="more.toml")
    child = write_recipe(tmp_path, 'extends = ["base.toml", "more.toml"]\n[objective]\nbeta = 0.0\n', name="child.toml")
    resolved = load_recipe(child).to_dict()
    assert resolved["name"] == "child"  # a run's identity is never inherited
    assert resolved["output"]["dir"] == str(tmp_path / "runs" / "child")
    assert (resolved["train"]["epochs"], resolved["train"]["seed"], resolved["eval"]["ks"]) == (7, 2, [10])
    assert (resolved["objective"]["alpha"], resolved["objective"]["beta"]) == (0.3, 0.0)
    assert resolved["data"]["path"].endswith("beauty_sample.txt")
    assert "extends" not in resolved


def test_picking_another_plugin_drops_the_old_plugins_keys(tmp_path):
    base = write_recipe(tmp_path, QUICKSTART_DATA + '[objective]\nname = "sracl"\nalpha = 0.3\n', name="base.toml")
    child = write_recipe(tmp_path, 'extends = "base.toml"\n[objective]\nname = "cl4srec"\nweight = 0.2\n',
                         name="child.toml")
    assert load_recipe(child).to_dict()["objective"]["weight"] == 0.2
    assert load_recipe(base, ["objective.name=none"]).to_dict()["objective"] == {"name": "none"}
    # naming the same plugin keeps its keys
    assert load_recipe(base, ["objective.name=sracl"]).to_dict()["objective"]["alpha"] == 0.3


def test_an_unusable_extends_name_is_exit_2(tmp_path):  # found by tests/test_fuzz_recipes.py
    for name in ("a\\u0000b", "x" * 5000):
        recipe = write_recipe(tmp_path, f'extends = "{name}"\n')
        result = run_cli("validate", recipe)
        assert result.exit_code == 2 and result.stderr.startswith("recipe.toml: extends: "), result.stderr


def test_extends_errors_name_the_file(tmp_path):
    write_recipe(tmp_path, 'extends = "b.toml"\n', name="a.toml")
    write_recipe(tmp_path, 'extends = "a.toml"\n', name="b.toml")
    result = run_cli("validate", tmp_path / "a.toml")
    assert result.exit_code == 2 and "extends: 'a.toml' extends itself (a cycle)" in result.stderr
    write_recipe(tmp_path, 'extends = "absent.toml"\n', name="c.toml")
    result = run_cli("validate", tmp_path / "c.toml")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"c.toml: extends: 'absent.toml': no such recipe file ({tmp_path / 'absent.toml'})"


def test_non_utf8_recipe_names_the_file_and_line(tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_bytes(b'name = "x"\n# caf\xe9\n')
    result = run_cli("validate", recipe)
    assert result.exit_code == 2
    assert result.stderr.strip() == "recipe.toml:2: not UTF-8 text (invalid continuation byte at byte 16)"


def test_recipe_with_a_byte_order_mark_validates(tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_bytes(b"\xef\xbb\xbf" + f'name = "bom"\n{QUICKSTART_DATA}'.encode())
    result = run_cli("validate", recipe)
    assert result.exit_code == 0, result.stderr
    assert 'name = "bom"' in result.stdout
