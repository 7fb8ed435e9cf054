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
from typer.core import TyperGroup

from sracl_cli.errors import RunFailure, UsageError


# --- help lists the commands in pipeline order (issue 14) ---
class PipelineOrder(TyperGroup):
    FIRST = ("validate", "embed", "index", "train", "eval", "run")

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: self.FIRST.index(name) if name in self.FIRST else len(self.FIRST))


app = typer.Typer(
    cls=PipelineOrder,
    name="sracl",
    help="SRA-CL for sequential recommendation: embed | index | train | eval, driven by a TOML recipe.",
    no_args_is_help=True,
    add_completion=True,  # sracl --install-completion (bash, zsh, fish, PowerShell): commands, options, files
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)
FLAG = ""  # metavar of a bool flag: the rich help would otherwise show `--resume <bool>`

RecipeArg = Annotated[Path, typer.Argument(help="recipe TOML file", show_default=False)]
RunDirArg = Annotated[
    Path, typer.Argument(help="run directory with summary.json (train.seeds) or eval/metrics.json", show_default=False)
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a recipe key, e.g. --set optimizer.lr=0.01 (repeatable)", show_default=False),
]

JsonOpt = Annotated[
    bool, typer.Option("--json", metavar=FLAG, help="print the result as JSON on stdout (and nothing else there)")
]


def _print_json(value) -> None:
    import json

    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


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


# --- sracl --version (issue 14) ---
def _print_version(asked: bool) -> None:
    if asked:
        from sracl_cli import __version__

        typer.echo(f"sracl {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", metavar=FLAG, is_eager=True, callback=_print_version, help="print the version"),
    ] = False,
) -> None:
    """SRA-CL for sequential recommendation: embed | index | train | eval, driven by a TOML recipe."""


# --- every command that writes ends by naming what it wrote (issue 14) ---
def _written(loaded, llm_cache: bool = False):
    """Print, after the block, the files it wrote: run and semantic folders (and the LLM response cache)."""
    from sracl_cli.written import reporting_written

    places = [loaded.run_dir, loaded.semantic_dir]
    if llm_cache:  # only the embed stage writes it
        from sracl_cli.semantic.cache import cache_path

        places.append(cache_path(loaded))
    return reporting_written(console, places)


def _results(loaded) -> None:
    """How to read the test metrics, then the file that holds them."""
    from sracl_cli.evaluation.results import print_results

    print_results(console, loaded)


def _load(recipe: Path, overrides: list[str] | None):
    from sracl_cli.recipe import load_recipe

    return load_recipe(recipe, overrides)


def _writing(folder: Path, name: str, recipe: Path, overrides: list[str] | None):
    """The lock of the folder a command writes into (exit 2 naming the holder when another run has it)."""
    from sracl_cli.run_lock import holding
    from sracl_cli.training.launch import refuse_torchrun

    refuse_torchrun(name)
    command = " ".join(["sracl", name, str(recipe), *(f"--set {o}" for o in overrides or [])])
    return holding([folder], command)


@app.command()
@reports_errors
def validate(recipe: RecipeArg, set_: SetOpt = None, as_json: JsonOpt = False) -> None:
    """Check a recipe and its data (no stage runs) and print the recipe fully resolved (defaults filled in)."""
    from sracl_cli.preflight import check_all

    loaded = _load(recipe, set_)
    check_all(loaded)
    if as_json:
        _print_json(loaded.to_dict())
        return
    typer.echo(loaded.to_toml(), nl=False)


@app.command()
@reports_errors
def train(
    recipe: RecipeArg,
    set_: SetOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", metavar=FLAG, help="continue from the run's last epoch checkpoint")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", metavar=FLAG, help="time a few batches, estimate the run's time; write nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", metavar=FLAG, help="with --dry-run: the estimate as JSON")] = False,
) -> None:
    """Train the recipe's backbone with its objective, keep the best validation checkpoint, test it."""
    if as_json and not dry_run:
        raise UsageError("--json goes with --dry-run (a run's results are JSON files in its run directory)")
    if dry_run:  # writes nothing
        _dry_run(_load(recipe, set_), as_json)
        return
    from sracl_cli.runs import train_recipe
    from sracl_cli.training.distributed import torchrun_command

    loaded = _load(recipe, set_)
    lock = functools.partial(_writing, loaded.run_dir, "train", recipe, set_)
    with torchrun_command(console, loaded, lock), _written(loaded):  # under torchrun: every rank, rank 0 writes
        train_recipe(loaded, console, resume=resume)
    _results(loaded)


def _dry_run(loaded, as_json: bool) -> None:
    from sracl_cli.training.dry_run import estimate, estimate_table

    report = estimate(loaded, errors if as_json else console)  # with --json, stdout holds the JSON alone
    if as_json:
        _print_json(report)
    else:
        console.print(estimate_table([report]))


@app.command("eval")
@reports_errors
def evaluate(recipe: RecipeArg, set_: SetOpt = None) -> None:
    """Evaluate the run's trained checkpoint on the test split (full ranking); writes eval/metrics.json."""
    from sracl_cli.runs import evaluate_recipe

    loaded = _load(recipe, set_)
    with _writing(loaded.run_dir, "eval", recipe, set_), _written(loaded):
        evaluate_recipe(loaded, console)
    _results(loaded)


@app.command()
@reports_errors
def compare(
    run_a: RunDirArg,
    run_b: RunDirArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="also write the comparison as JSON", show_default=False)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two runs' test metrics: means, relative difference, paired t-test over their common seeds."""
    from sracl_cli.evaluation.compare import compare_runs, comparison_table, load_run

    comparison = compare_runs(load_run(run_a), load_run(run_b))
    shown = errors if as_json else console  # with --json, stdout holds the JSON alone
    if as_json:
        _print_json(comparison)
    else:
        console.print(comparison_table(comparison))
        for note in comparison["notes"]:
            console.print(f"note: {note}", highlight=False)
    if out is not None:
        from sracl_cli.artifacts import write_json

        write_json(out, comparison)
        shown.print(f"wrote {out}", markup=False, highlight=False, soft_wrap=True)


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


# --- sracl page: one static HTML page per run (issue 13) ---
@app.command()
@reports_errors
def page(
    run: Annotated[Path, typer.Argument(help="run directory, or the recipe that made it", show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", help="folder for index.html and its images; default RUN/page")
    ] = None,
    length_groups: Annotated[
        str, typer.Option("--length-groups", help="where the sequence-length groups start: 7,11 = < 7, 7–10, > 10")
    ] = "7,11",
    examples: Annotated[int, typer.Option("--examples", min=1, help="items and user units shown")] = 5,
    k: Annotated[int, typer.Option("--k", min=1, help="neighbours shown per example")] = 5,
) -> None:
    """The run's page: training curves, test metrics by sequence length, semantic neighbours with titles."""
    from sracl_cli.reporting.page import make_page

    make_page(console, run, out, length_groups, examples, k)


@app.command()
@reports_errors
def plugins(as_json: JsonOpt = False) -> None:
    """List installed plugins of every kind (built-ins included) and whether they import."""
    from sracl_cli.plugin_table import plugin_records, print_plugin_table

    if as_json:
        _print_json(plugin_records())
        return
    print_plugin_table(console)


@app.command()
@reports_errors
def embed(
    recipe: RecipeArg,
    set_: SetOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", metavar=FLAG, help="count prompts, tokens and cost; call nothing")
    ] = False,
) -> None:
    """Summarise items and user units with the recipe's LLM (cached) and embed the texts."""
    from sracl_cli.semantic.stage import run_embed

    loaded = _load(recipe, set_)
    if dry_run:  # writes nothing
        run_embed(loaded, console, dry_run=True)
        return
    with _writing(loaded.semantic_dir, "embed", recipe, set_), _written(loaded, llm_cache=True):
        run_embed(loaded, console)


@app.command()
@reports_errors
def index(recipe: RecipeArg, set_: SetOpt = None) -> None:
    """Build the item and user-unit neighbour tables from the embeddings (+ recall check)."""
    from sracl_cli.retrieval.stage import run_index

    loaded = _load(recipe, set_)
    with _writing(loaded.semantic_dir, "index", recipe, set_), _written(loaded):
        run_index(loaded, console)


@app.command()
@reports_errors
def run(
    recipe: RecipeArg,
    set_: SetOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", metavar=FLAG, help="continue training from the checkpoint a stopped run left")
    ] = False,
) -> None:
    """embed → index → train → eval, skipping every stage whose recipe section and inputs are unchanged."""
    from sracl_cli.pipeline import run_pipeline
    from sracl_cli.preflight import check_all

    loaded = _load(recipe, set_)
    check_all(loaded)  # every stage's preconditions, before the first one runs
    with _writing(loaded.run_dir, "run", recipe, set_), _written(loaded, llm_cache=True):
        run_pipeline(loaded, console, resume=resume)
    _results(loaded)


# --- sracl recommend / export: recommendations out of a trained run, and a model for serving (issue 13) ---
RunArg = Annotated[
    Path, typer.Argument(help="the run's recipe, or its run directory (holds recipe.resolved.toml)", show_default=False)
]
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="which seed's model of a train.seeds run (default: the best validation)",
                 show_default=False),
]


@app.command()
@reports_errors
def recommend(
    run: RunArg,
    user: Annotated[str | None, typer.Option("--user", help="a user id of the dataset", show_default=False)] = None,
    history: Annotated[
        str | None, typer.Option("--history", help='a new user: item ids, oldest first ("i1 i2 ...")',
                                 show_default=False)
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="queries: .jsonl or .csv/.tsv of users or histories",
                                  show_default=False)
    ] = None,
    all_users: Annotated[bool, typer.Option("--all-users", metavar=FLAG, help="every user of the dataset")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="write to .jsonl, .csv or .parquet", show_default=False)
    ] = None,
    k: Annotated[int, typer.Option("-k", help="items per query")] = 20,
    exclude_seen: Annotated[
        bool, typer.Option("--exclude-seen/--no-exclude-seen", metavar=FLAG, help="hide the items of the history")
    ] = True,
    seed: SeedOpt = None,
    as_json: Annotated[bool, typer.Option("--json", metavar=FLAG, help="print JSON instead of a table")] = False,
    set_: SetOpt = None,
) -> None:
    """Top-k items with titles from a trained run: for a user, a new history, a file of queries, or every user."""
    from sracl_cli.serving.command import Request, recommend_command

    request = Request(run, user, history, input_file, all_users, out, k, exclude_seen, seed, as_json, set_ or [])
    recommend_command(request, console, errors)


@app.command()
@reports_errors
def export(
    run: RunArg,
    out: Annotated[Path, typer.Option("--out", help="folder for the model file and items.json", show_default=False)],
    format_: Annotated[
        str, typer.Option("--format", help="onnx (onnxruntime, no torch needed) or torchscript")
    ] = "onnx",
    seed: SeedOpt = None,
    set_: SetOpt = None,
) -> None:
    """The trained encoder plus its item table as one ONNX (or TorchScript) graph, with the item id mapping."""
    from sracl_cli.serving.command import export_command

    export_command(run, format_, out, seed, set_ or [], console)


# --- sracl data prepare | fetch: any data in (issue 13) ---
data_app = typer.Typer(help="Get data in: public Amazon dumps to a csv-loader dataset; the paper's files.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("prepare")
@reports_errors
def data_prepare(
    reviews: Annotated[Path, typer.Argument(help="Amazon reviews, JSON lines (.json or .json.gz), 2014 or 2018",
                                            show_default=False, exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="folder for interactions.csv, items.csv, recipe.toml",
                                      show_default=False)],
    meta: Annotated[Path | None, typer.Option("--meta", help="the matching metadata file (titles, brand, categories)",
                                              show_default=False, exists=True, dir_okay=False)] = None,
    min_core: Annotated[int, typer.Option("--min-core", min=1, help="keep users and items with >= this many reviews")
                        ] = 5,
) -> None:
    """Amazon review + metadata dumps → interactions.csv, items.csv and a recipe for the csv loader (k-core)."""
    from sracl_cli.data.prepare_command import prepare_command

    prepare_command(reviews, meta, out, min_core, console)


@data_app.command("fetch")
@reports_errors
def data_fetch(
    names: Annotated[list[str], typer.Argument(help="beauty, office, sports, yelp, or all", show_default=False)],
    dir_: Annotated[Path | None, typer.Option("--dir", help="data folder (default: $SRACL_DATA, else ./data)",
                                              show_default=False)] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="mirror of the official repository's raw "
                                                 "files (default: $SRACL_FETCH_URL, else GitHub)",
                                                 show_default=False)] = None,
) -> None:
    """The paper's interaction files from the official SRA-CL repository, checked against their sha256."""
    from sracl_cli.data.fetch import base_url as resolve_url
    from sracl_cli.data.fetch import fetch

    folder = dir_ or Path(os.environ.get("SRACL_DATA") or "data")
    fetch(names, folder, resolve_url(base_url), console)


def main() -> None:
    app(prog_name="sracl")


if __name__ == "__main__":
    main()
