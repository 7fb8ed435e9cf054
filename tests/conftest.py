"""Shared fixtures: the real data folder (../shared/data or $SRACL_DATA) and a clean environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path | None:
    candidates = [os.environ.get("SRACL_DATA"), REPO.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "sracl_official").is_dir():
            return Path(candidate).resolve()
    return None


SHARED_DATA = _shared_data()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real datasets (see each SOURCE.md). Tests that need them skip, loudly, when they are absent."""
    if SHARED_DATA is None:
        pytest.skip("real data not found: set SRACL_DATA or place it at ../shared/data")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _data_env(monkeypatch):
    if SHARED_DATA is not None:
        monkeypatch.setenv("SRACL_DATA", str(SHARED_DATA))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
