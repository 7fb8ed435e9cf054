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
        _stage("index", recipe, console, [recipe.semantic_dir / "embed" / name for name in INDEX_INPUTS], _index)
    if recipe.config.train.seeds:
        _seeds(recipe, console)
        return
    trained = _stage("train", recipe, console, train_inputs(recipe), _train)
    if not trained:
        _stage("eval", recipe, console, [run_dir / "train" / "model.pt"], _eval)


def _seeds(recipe: Recipe, console: Console) -> None:
    """A seeds recipe is current when every seed's train and eval stages are, and the summary exists."""
    from sracl_cli.experiment import Experiment
    from sracl_cli.training.seeds import SUMMARY_FILE, seed_runs

    runs = seed_runs(Experiment.from_recipe(recipe)).values()
    current = (recipe.run_dir / SUMMARY_FILE).is_file() and all(
        is_current(run.train_dir, run.recipe, "train", train_inputs(run.recipe))
        and is_current(run.eval_dir, run.recipe, "eval", [run.train_dir / "model.pt"])
        for run in runs
    )
    if current:
        console.print("[green]train[/] (every seed): up to date, skipped")
        return
    console.rule("sracl train (seeds)")
    _train(recipe, console)


def _stage(name: str, recipe: Recipe, console: Console, inputs, run) -> bool:
    """Run a stage unless it is current; True when it ran."""
    home = recipe.semantic_dir if name in ("embed", "index") else recipe.run_dir
    if is_current(home / name, recipe, name, inputs):
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
