"""`sracl run`: embed → index → train → eval, skipping every stage whose inputs have not changed.

Which stages run comes from the stage table: embed and index only when the recipe's objective needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Console

from sracl_cli import layout
from sracl_cli.manifests import is_current
from sracl_cli.recipe import Recipe
from sracl_cli.run_lock import holding
from sracl_cli.stages import EMBED, EVAL, INDEX, TRAIN, Stage, objective_needs, stage_inputs

StageRun = Callable[[Recipe, Console], object]


def run_pipeline(recipe: Recipe, console: Console, resume: bool = False) -> None:
    """`resume`: continue training from the checkpoint a stopped run left, where there is one."""
    if recipe.config.eval.weights_from is not None:  # evaluates another run's weights: the eval stage alone
        if recipe.config.train.seeds:
            _seeds(recipe, console, _eval, stages=(EVAL,))
        else:
            _stage(EVAL, recipe, console, _eval)
        return
    needed = objective_needs(recipe)
    for stage, run in ((EMBED, _embed), (INDEX, _index)):
        if stage in needed:
            with holding([recipe.semantic_dir], f"sracl run {recipe.source}"):  # may be shared with other recipes
                _stage(stage, recipe, console, run)
    train = partial(_train, resume=resume)
    if recipe.config.train.seeds:
        _seeds(recipe, console, train)
        return
    trained = _stage(TRAIN, recipe, console, train)
    if not trained:
        _stage(EVAL, recipe, console, _eval)


def _seeds(recipe: Recipe, console: Console, run: StageRun, stages: tuple[Stage, ...] = (TRAIN, EVAL)) -> None:
    """A seeds recipe is current when every seed's `stages` are, and the summary exists."""
    from sracl_cli.experiment import Experiment
    from sracl_cli.runs import seed_runs

    runs = seed_runs(Experiment.from_recipe(recipe)).values()
    current = (recipe.run_dir / layout.SUMMARY).is_file() and all(
        _current(stage, seed_run.recipe, seed_run.out_dir) for seed_run in runs for stage in stages
    )
    if current:
        console.print(f"[green]{stages[0].name}[/] (every seed): up to date, skipped")
        return
    console.rule(f"sracl {stages[0].name} (seeds)")
    run(recipe, console)


def _current(stage: Stage, recipe: Recipe, out_dir: Path | None = None) -> bool:
    return is_current(stage.folder(recipe, out_dir), recipe, stage.name, stage_inputs(stage, recipe, out_dir))


def _stage(stage: Stage, recipe: Recipe, console: Console, run: StageRun) -> bool:
    """Run a stage unless it is current; True when it ran."""
    if _current(stage, recipe):
        console.print(f"[green]{stage.name}[/]: up to date, skipped")
        return False
    console.rule(f"sracl {stage.name}")
    run(recipe, console)
    return True


def _embed(recipe: Recipe, console: Console) -> object:
    from sracl_cli.semantic.stage import run_embed

    return run_embed(recipe, console)


def _index(recipe: Recipe, console: Console) -> object:
    from sracl_cli.retrieval.stage import run_index

    return run_index(recipe, console)


def _train(recipe: Recipe, console: Console, resume: bool = False) -> object:
    from sracl_cli.runs import has_checkpoint, train_recipe

    return train_recipe(recipe, console, resume=resume and has_checkpoint(recipe))


def _eval(recipe: Recipe, console: Console) -> object:
    from sracl_cli.runs import evaluate_recipe

    return evaluate_recipe(recipe, console)
