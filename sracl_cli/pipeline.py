"""`sracl run`: embed → index → train → eval, skipping every stage whose inputs have not changed."""

from __future__ import annotations

from rich.console import Console

from sracl_cli.experiment import data_files, train_inputs
from sracl_cli.manifests import is_current
from sracl_cli.recipe import Recipe
from sracl_cli.retrieval.stage import INPUTS as INDEX_INPUTS


def run_pipeline(recipe: Recipe, console: Console) -> None:
    run_dir = recipe.run_dir
    if recipe.config.train.objective == "sracl":
        _stage("embed", recipe, console, data_files(recipe), _embed)
        _stage("index", recipe, console, [run_dir / "embed" / name for name in INDEX_INPUTS], _index)
    trained = _stage("train", recipe, console, train_inputs(recipe), _train)
    if not trained:
        _stage("eval", recipe, console, [run_dir / "train" / "model.pt"], _eval)


def _stage(name: str, recipe: Recipe, console: Console, inputs, run) -> bool:
    """Run a stage unless it is current; True when it ran."""
    if is_current(recipe.run_dir / name, recipe, name, inputs):
        console.print(f"[green]{name}[/]: up to date, skipped")
        return False
    console.rule(f"sracl {name}")
    run(recipe, console)
    return True


def _embed(recipe, console):
    from sracl_cli.semantic.stage import run_embed

    run_embed(recipe, console)


def _index(recipe, console):
    from sracl_cli.retrieval.stage import run_index

    run_index(recipe, console)


def _train(recipe, console):
    from sracl_cli.training.stage import run_train

    run_train(recipe, console)


def _eval(recipe, console):
    from sracl_cli.evaluation.stage import run_eval

    run_eval(recipe, console)
