"""The `sracl` command. One thin function per command; the work happens in the stage modules.

Heavy libraries (torch, litellm, chromadb, sentence-transformers) are imported inside the commands that
need them, so `sracl --help` and `sracl validate` answer quickly.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sracl_cli.errors import RunFailure, UsageError

app = typer.Typer(
    name="sracl",
    help="SRA-CL for sequential recommendation: embed | index | train | eval, driven by a TOML recipe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

RecipeArg = Annotated[Path, typer.Argument(help="recipe TOML file", show_default=False)]
RunDirArg = Annotated[
    Path, typer.Argument(help="run directory with summary.json (train.seeds) or eval/metrics.json", show_default=False)
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a recipe key, e.g. --set optimizer.lr=0.01 (repeatable)", show_default=False),
]


def reports_errors(command):
    """Map sracl's failures to exit codes: 2 for bad usage/recipe/data, 1 for runtime failures."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            for line in error.lines:
                errors.print(line, markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(UsageError.exit_code) from None
        except Exception as error:
            if os.environ.get("SRACL_DEBUG"):
                raise
            errors.print(f"error: {type(error).__name__}: {error}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(RunFailure.exit_code) from None

    return wrapper


def _load(recipe: Path, overrides: list[str] | None):
    from sracl_cli.recipe import load_recipe

    return load_recipe(recipe, overrides)


@app.command()
@reports_errors
def validate(recipe: RecipeArg, set_: SetOpt = None) -> None:
    """Check a recipe and print it fully resolved (defaults filled in, paths absolute)."""
    typer.echo(_load(recipe, set_).to_toml(), nl=False)


@app.command()
@reports_errors
def train(
    recipe: RecipeArg,
    set_: SetOpt = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue from the run's last epoch checkpoint")] = False,
) -> None:
    """Train the recipe's backbone with its objective, keep the best validation checkpoint, test it."""
    from sracl_cli.runs import train_recipe

    train_recipe(_load(recipe, set_), console, resume=resume)


@app.command("eval")
@reports_errors
def evaluate(recipe: RecipeArg, set_: SetOpt = None) -> None:
    """Evaluate the run's trained checkpoint on the test split (full ranking); writes eval/metrics.json."""
    from sracl_cli.runs import evaluate_recipe

    evaluate_recipe(_load(recipe, set_), console)


@app.command()
@reports_errors
def compare(
    run_a: RunDirArg,
    run_b: RunDirArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="also write the comparison as JSON", show_default=False)
    ] = None,
) -> None:
    """Compare two runs' test metrics: means, relative difference, paired t-test over their common seeds."""
    from sracl_cli.evaluation.compare import compare_runs, comparison_table, load_run

    comparison = compare_runs(load_run(run_a), load_run(run_b))
    console.print(comparison_table(comparison))
    for note in comparison["notes"]:
        console.print(f"note: {note}", highlight=False)
    if out is not None:
        from sracl_cli.artifacts import write_json

        write_json(out, comparison)


@app.command()
@reports_errors
def report(
    spec: Annotated[
        Path, typer.Argument(help="report spec TOML (rows: label, recipe, run; comparisons)", show_default=False)
    ],
    update: Annotated[
        Path | None,
        typer.Option("--update", help="replace the spec's <!-- report: NAME --> block in this markdown file"),
    ] = None,
) -> None:
    """Markdown table of test metrics (mean ± std over seeds) and paired t-tests for the runs a spec names."""
    from sracl_cli.evaluation.results_report import load_spec, render, update_block

    loaded = load_spec(spec)
    if update is None:
        console.print(render(loaded, Path.cwd()), markup=False, highlight=False, soft_wrap=True)
        return
    from sracl_cli.artifacts import write_text

    write_text(update, update_block(update, loaded.name, render(loaded, update.resolve().parent)))
    console.print(f"updated the '{loaded.name}' block of {update}")


@app.command()
@reports_errors
def plugins() -> None:
    """List installed plugins of every kind (built-ins included) and whether they import."""
    from sracl_cli.plugin_table import plugin_table

    console.print(plugin_table())


@app.command()
@reports_errors
def embed(
    recipe: RecipeArg,
    set_: SetOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count prompts, tokens and cost; call nothing")] = False,
) -> None:
    """Summarise items and user units with the recipe's LLM (cached) and embed the texts."""
    from sracl_cli.semantic.stage import run_embed

    run_embed(_load(recipe, set_), console, dry_run=dry_run)


@app.command()
@reports_errors
def index(recipe: RecipeArg, set_: SetOpt = None) -> None:
    """Build the item and user-unit neighbour tables from the embeddings (+ recall check)."""
    from sracl_cli.retrieval.stage import run_index

    run_index(_load(recipe, set_), console)


@app.command()
@reports_errors
def run(recipe: RecipeArg, set_: SetOpt = None) -> None:
    """embed → index → train → eval, skipping every stage whose recipe section and inputs are unchanged."""
    from sracl_cli.pipeline import run_pipeline

    run_pipeline(_load(recipe, set_), console)


def main() -> None:
    app(prog_name="sracl")


if __name__ == "__main__":
    main()
