"""The stage table is complete: every recipe section a stage reads is one its manifest records.

Each stage runs in-process on a 4-core of the bundled sample while every read of a recipe section (a
`RecipeModel` attribute or a plugin section's config) is recorded; a section read but not declared in
`stages.STAGES` would let `sracl run` skip a stage whose result that section changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from helpers import run_cli
from sracl_cli import cli
from sracl_cli.recipe import RecipeModel
from sracl_cli.stages import ALWAYS_READ, REPORTING, STAGES

QUICKSTART = Path(__file__).resolve().parents[1] / "recipes" / "quickstart.toml"
SMALL = ["--set", "data.min_core=4", "--set", "train.epochs=1", "--set", "train.threads=1"]


class RecordingMapping(Mapping):
    def __init__(self, inner: Mapping, touched: set[str]):
        self.inner, self.touched = inner, touched

    def __getitem__(self, key: str):
        self.touched.add(key)
        return self.inner[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)

    def __len__(self) -> int:
        return len(self.inner)

    def items(self):  # Recipe.to_dict() (manifests, the resolved recipe) walks every section: not a stage's read
        return self.inner.items()


@pytest.fixture(scope="module")
def touched_by_stage(tmp_path_factory) -> dict[str, set[str]]:
    out = tmp_path_factory.mktemp("stages") / "run"
    touched: set[str] = set()
    monkeypatch = pytest.MonkeyPatch()
    original_getattribute, original_load = RecipeModel.__getattribute__, cli._load

    def recording_getattribute(self, name):
        if name in RecipeModel.model_fields:
            touched.add(name)
        return original_getattribute(self, name)

    def recording_load(recipe, overrides):
        loaded = original_load(recipe, overrides)
        touched.clear()  # what loading reads is validation, not the stage
        return dataclasses.replace(loaded, plugins=RecordingMapping(loaded.plugins, touched))

    monkeypatch.setattr(RecipeModel, "__getattribute__", recording_getattribute)
    monkeypatch.setattr(cli, "_load", recording_load)
    found = {}
    try:
        for stage in ("embed", "index", "train", "eval"):
            result = run_cli(stage, QUICKSTART, "--set", f'output.dir="{out}"', *SMALL)
            assert result.exit_code == 0, result.stderr
            found[stage] = set(touched)
    finally:
        monkeypatch.undo()
    return found


def undeclared(touched: set[str], declared: tuple[str, ...]) -> set[str]:
    return touched - set(declared) - set(ALWAYS_READ) - set(REPORTING)


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(STAGES))
def test_every_section_a_stage_reads_is_recorded_in_its_manifest(touched_by_stage, stage):
    assert undeclared(touched_by_stage[stage], STAGES[stage].sections) == set()


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(STAGES))
def test_dropping_a_section_from_a_declaration_is_caught(touched_by_stage, stage):
    read = [s for s in STAGES[stage].sections if s in touched_by_stage[stage]]
    assert read, f"{stage} reads none of its declared sections"
    for section in read:
        reduced = tuple(s for s in STAGES[stage].sections if s != section)
        assert undeclared(touched_by_stage[stage], reduced) == {section}
