"""Small helpers shared by the tests: run the CLI in-process and write recipes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sracl_cli.cli import app

QUICKSTART_DATA = """
[data]
loader = "sracl-txt"
path = "packaged:quickstart/beauty_sample.txt"
items = "packaged:quickstart/items.tsv"
text_fields = ["title"]
"""


def run_cli(*args: str):
    """Invoke `sracl` in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def write_recipe(folder: Path, body: str, name: str = "recipe.toml") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path
