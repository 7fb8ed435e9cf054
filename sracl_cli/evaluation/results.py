"""What `sracl train`, `eval` and `run` end with: how to read the test metrics, and the file that holds them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from sracl_cli import layout
from sracl_cli.evaluation.report import reading
from sracl_cli.stages import EVAL
from sracl_cli.written import display

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe


def print_results(console: Console, recipe: Recipe) -> None:
    seeds = recipe.config.train.seeds
    results, eval_dir = _locations(recipe)
    if not results.is_file():
        return
    n_items = _read(eval_dir / layout.MANIFEST).get("items")  # older manifests lack it
    if n_items:
        stored, users = _read(results)["metrics"], _read(eval_dir / layout.METRICS)["users"]
        metrics = {name: value["mean"] for name, value in stored.items()} if seeds else stored
        text = reading(metrics, recipe.config.eval.ks, n_items, users, len(seeds) if seeds else 0)
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    what = "test metrics (mean ± std over seeds)" if seeds else "test metrics"
    console.print(f"{what}: {display(results)}", markup=False, highlight=False, soft_wrap=True)


def _locations(recipe: Recipe) -> tuple[Path, Path]:
    """(the results file, an eval folder whose manifest and metrics describe the test set)."""
    seeds = recipe.config.train.seeds
    if seeds:
        return recipe.run_dir / layout.SUMMARY, layout.seed_dir(recipe.run_dir, seeds[0]) / EVAL.name
    eval_dir = EVAL.folder(recipe)
    return eval_dir / layout.METRICS, eval_dir


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
