"""`sracl validate` (and `sracl run`, and each stage's start) refuse what a stage would refuse, before it runs."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from helpers import run_cli
from sracl_cli.errors import UsageError
from sracl_cli.recipe import load_recipe

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "recipes" / "quickstart.toml"
sys.path.insert(0, str(REPO / "tests" / "retrieval"))


def validate(tmp_path: Path, *overrides: str):
    return run_cli("validate", QUICKSTART, "--set", f'output.dir="{tmp_path / "run"}"',
                   *(arg for override in overrides for arg in ("--set", override)))


def test_validate_refuses_unknown_plugin_names_of_every_kind(tmp_path):
    result = validate(tmp_path, 'data.loader="x"', 'model.backbone="x"', 'objective.name="x"',
                      'llm.provider="x"', 'embedding.embedder="x"', 'index.store="x"')
    assert result.exit_code == 2
    keys = [line.split(": ")[1] for line in result.stderr.splitlines()]
    assert sorted(keys) == sorted(["data.loader", "model.backbone", "objective.name", "llm.provider",
                                   "embedding.embedder", "index.store"])


def test_validate_refuses_an_unknown_template_field(tmp_path):
    result = validate(tmp_path, 'prompts.item_template="{titel}"')
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "quickstart.toml: prompts.item_template: unknown field {titel}; "
        "available: {domain}, {title}, {attributes}, {contexts}"
    )


def test_validate_reads_the_item_file_header_for_text_fields(tmp_path):
    result = validate(tmp_path, 'data.text_fields=["titel"]')
    assert result.exit_code == 2
    assert result.stderr.strip() == "items.tsv:1: no column 'titel' (text_fields); columns: item_id, asin, title"


def test_validate_checks_item_fields_against_the_item_text(tmp_path):
    result = validate(tmp_path, 'prompts.item_fields=["title", "brand"]')
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "quickstart.toml: prompts.item_fields: the dataset has no item text field 'brand'; its fields: title"
    )


def test_validate_checks_index_k_against_items_and_units(tmp_path):
    # 7,216 items (7,215 neighbours each); 2,000 user units (user_unit = "user"), one per user: 1,999 neighbours.
    assert validate(tmp_path, "index.k=1999").exit_code == 0
    result = validate(tmp_path, "index.k=2000")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        'quickstart.toml: index.k: 2000, but a user unit can have only 1,999 neighbours (a pool of 2,000 units '
        'with index.pool = "train", its own user\'s units excluded); lower index.k'
    )
    lines = validate(tmp_path, "index.k=7216").stderr.splitlines()
    assert lines[0] == (
        "quickstart.toml: index.k: 7216, but an item can have at most 7,215 neighbours "
        "(7,216 items, itself excluded); lower index.k"
    )


def test_index_k_is_not_checked_when_the_objective_needs_no_index(tmp_path):
    assert validate(tmp_path, 'objective.name="none"', "index.k=100000").exit_code == 0


def test_validate_refuses_cuda_on_a_torch_without_it(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this torch sees a CUDA device")
    result = validate(tmp_path, 'train.device="cuda"', 'embedding.device="cuda:1"')
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["train.device", "embedding.device"]
    assert "sees no CUDA device; use \"cpu\" or \"auto\"" in lines[0]


def test_run_checks_index_k_before_the_embed_stage(tmp_path):
    result = run_cli("run", QUICKSTART, "--set", f'output.dir="{tmp_path / "run"}"', "--set", "index.k=7216")
    assert result.exit_code == 2
    assert "index.k: 7216" in result.stderr
    assert not (tmp_path / "run" / "embed").exists()


def test_embed_checks_item_fields_before_writing(tmp_path):
    from sracl_cli.semantic.stage import run_embed

    recipe = load_recipe(QUICKSTART, [f'output.dir="{tmp_path / "run"}"', 'prompts.item_fields=["brand"]'])
    with pytest.raises(UsageError, match="prompts.item_fields"):
        run_embed(recipe, Console(file=io.StringIO()))
    assert not (tmp_path / "run").exists()


def test_index_with_too_large_k_leaves_no_store_behind(tmp_path):
    from quickstart_units import write_embed_artifacts
    from sracl_cli.retrieval.stage import run_index

    write_embed_artifacts(tmp_path)
    recipe = load_recipe(QUICKSTART, [f'output.dir="{tmp_path}"', "index.k=7216"])
    with pytest.raises(UsageError, match="index.k: 7216, but an item can have at most 7,215 neighbours"):
        run_index(recipe, Console(file=io.StringIO()))
    assert not (tmp_path / "index").exists()


def test_cuda_devices_are_checked_against_the_visible_ones(monkeypatch):
    import torch

    from sracl_cli.devices import cuda_problem

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert cuda_problem("cuda") is None and cuda_problem("cuda:1") is None
    assert cuda_problem("cuda:2") == "'cuda:2', but torch sees 2 CUDA device(s): cuda:0 to cuda:1"


@pytest.mark.parametrize("switch, message", [
    ('model.backbone="bert4rec"', "model.backbone = 'bert4rec' has no all-positions pass (sequence_states), which "
                                  'train.samples = "sequence" needs; use train.samples = "prefix" with it'),
    ('objective.name="dropout-cl"', "train.samples = \"sequence\": objective 'dropout-cl' trains only with "
                                    "train.samples = 'prefix'"),
])
def test_validate_refuses_sequence_samples_where_backbone_or_objective_trains_only_on_prefixes(tmp_path, switch,
                                                                                             message):
    result = validate(tmp_path, 'train.samples="sequence"', switch)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"quickstart.toml: {message}"]


def test_validate_accepts_sequence_samples_for_gru4rec(tmp_path):
    assert validate(tmp_path, 'train.samples="sequence"', 'model.backbone="gru4rec"').exit_code == 0


def test_validate_refuses_sequence_only_objective_keys_on_prefix_samples(tmp_path):
    result = validate(tmp_path, 'objective.intra_negatives="same_position"', 'objective.anchor="rec_pass"')
    assert result.exit_code == 2
    assert [line.split(" needs ")[0] for line in result.stderr.splitlines()] == [
        'quickstart.toml: objective.anchor = "rec_pass"', 'quickstart.toml: objective.intra_negatives = "same_position"'
    ]
    assert validate(tmp_path, 'train.samples="sequence"', 'objective.intra_negatives="same_position"').exit_code == 0
