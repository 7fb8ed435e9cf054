"""Trained runs of the bundled sample to recommend from and export (fixtures; conftest.py registers them):
SASRec as the quickstart recipe trains it (objective `none`, one epoch), and small ones (`data.min_core=4`:
296 users) of each backbone and of seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "recipes" / "quickstart.toml"
FAST = ["--set", "train.epochs=1", "--set", "train.threads=1", "--set", "objective.name=none"]
SMALL = ["--set", "data.min_core=4"]


def train(out: Path, *extra: str) -> Path:
    result = run_cli("train", QUICKSTART, "--set", f'output.dir="{out}"', *FAST, *extra)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def quickstart_run(tmp_path_factory) -> Path:
    """The run directory of SASRec trained one epoch on the whole sample (2,000 users, 7,216 items)."""
    return train(tmp_path_factory.mktemp("serving") / "quickstart")


@pytest.fixture(scope="session")
def small_runs(tmp_path_factory):
    """backbone -> run directory of a one-epoch run on the sample's 4-core (296 users, 423 items)."""
    folder = tmp_path_factory.mktemp("small")
    made: dict[str, Path] = {}

    def get(backbone: str) -> Path:
        if backbone not in made:
            made[backbone] = train(folder / backbone, *SMALL, "--set", f"model.backbone={backbone}")
        return made[backbone]

    return get
