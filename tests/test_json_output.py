"""`--json` on validate, plugins and compare: stdout is one JSON document and nothing else; and shell completion
(Typer's own) answers for sracl's commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from sracl_cli import kinds, registry
from sracl_cli.recipe import load_recipe

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"


def _summary_run(folder: Path, values: dict[int, float]) -> Path:
    """A `train.seeds` run's record: hr@10 per seed (compare reads only seeds and values)."""
    folder.mkdir(parents=True)
    metric = {"values": list(values.values()), "seeds": list(values)}
    (folder / "summary.json").write_text(json.dumps({"seeds": list(values), "metrics": {"hr@10": metric}}))
    return folder


def test_validate_json_is_the_resolved_recipe():
    result = run_cli("validate", QUICKSTART, "--json", "--set", "train.epochs=3")
    assert result.exit_code == 0, result.stderr
    resolved = json.loads(result.stdout)
    assert resolved == load_recipe(QUICKSTART, ["train.epochs=3"]).to_dict()
    assert resolved["train"]["epochs"] == 3 and resolved["objective"]["name"] == "sracl"


def test_validate_json_of_a_bad_recipe_prints_nothing_on_stdout():
    result = run_cli("validate", QUICKSTART, "--json", "--set", "train.epochs=0")
    assert result.exit_code == 2 and result.stdout == ""
    assert "quickstart.toml: train.epochs: Input should be greater than 0 (from --set)" in result.stderr


def test_plugins_json_lists_every_plugin_of_every_kind():
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    expected = {(kind.group, name) for kind in kinds.KINDS for name in registry.discover(kind)}
    assert {(row["group"], row["name"]) for row in found} == expected
    mlflow = next(row for row in found if row["group"] == "sracl.loggers" and row["name"] == "mlflow")
    assert mlflow == {"group": "sracl.loggers", "name": "mlflow", "object": "sracl_cli.tracking.mlflow_logger:SPEC",
                      "distribution": "sracl", "version": mlflow["version"], "status": "ok",
                      "description": registry.load(kinds.LOGGER, "mlflow").description}


def test_compare_json_is_what_out_writes(tmp_path):
    a = _summary_run(tmp_path / "a", {1: 0.10, 2: 0.12, 3: 0.11, 4: 0.5})
    b = _summary_run(tmp_path / "b", {1: 0.13, 2: 0.14, 3: 0.12, 5: 0.9})
    out = tmp_path / "comparison.json"
    result = run_cli("compare", a, b, "--json", "--out", out)
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == json.loads(out.read_text())
    assert printed["common_seeds"] == [1, 2, 3] and printed["metrics"]["hr@10"]["mean_b"] == pytest.approx(0.13)
    assert f"wrote {out}" in result.stderr


def test_compare_json_of_a_missing_run_is_exit_2_with_nothing_on_stdout(tmp_path):
    result = run_cli("compare", tmp_path / "nope", tmp_path / "nope", "--json")
    assert result.exit_code == 2 and result.stdout == ""


def test_shell_completion_completes_commands_and_options(monkeypatch):
    from typer.testing import CliRunner

    from sracl_cli.cli import app

    def complete(words: str) -> list[str]:
        env = {"_SRACL_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        result = CliRunner().invoke(app, [], env=env, prog_name="sracl")
        return result.stdout.split()

    assert complete("sracl va") == ["validate"]
    assert set(complete("sracl train x.toml --dr")) == {"--dry-run"}
    assert "--install-completion" in run_cli("--help").stdout
