"""`sracl page RUN`: the run's page, a folder with index.html, curves.png and the JSON behind its tables.

Sections need different parts of the run: the curves and test metrics only its JSON records; the length
groups its recipe, data and weights; the neighbour examples its data and index tables. A section whose
inputs are missing (a record copied without weights, a run whose objective has no index stage) says which
file it lacks, or why the run's recipe does not validate here (a record of an older version); a damaged
file is exit 2 as everywhere. The folder is built beside OUT and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sracl_cli import layout
from sracl_cli.artifacts import load_npy, read_artifact, write_json, write_text
from sracl_cli.data.units_io import load_units
from sracl_cli.errors import UsageError
from sracl_cli.evaluation.compare import load_run
from sracl_cli.experiment import Experiment
from sracl_cli.reporting import html
from sracl_cli.reporting.curves import kept_epochs, plot_curves
from sracl_cli.reporting.length_groups import PAPER_STARTS, by_length, mean_over_seeds, parse_starts, ranks_on_test
from sracl_cli.reporting.neighbour_examples import item_examples, unit_examples
from sracl_cli.reporting.record import RunRecord, open_run
from sracl_cli.stages import EMBED, INDEX

INDEX_HTML = "index.html"
CURVES = "curves.png"
LENGTH_GROUPS = "length_groups.json"
NEIGHBOURS = "neighbours.json"


@dataclass(frozen=True)
class PageOptions:
    starts: tuple[int, ...] = PAPER_STARTS  # where the sequence-length groups begin
    examples: int = 5  # items and user units shown with their neighbours
    k: int = 5  # neighbours shown per example
    max_titles: int = 10  # titles shown per user unit (its most recent)


@dataclass
class Page:
    run: RunRecord
    folder: Path
    options: PageOptions
    console: Console

    @cached_property
    def histories(self) -> dict[int, list[dict]]:
        return self.run.histories()

    @cached_property
    def experiment(self) -> Experiment:
        assert self.run.recipe is not None
        return Experiment.from_recipe(self.run.recipe)

    def sections(self) -> list[tuple[str, str, str]]:
        return [("run", "Run", self.summary()), ("test", "Test metrics", self.test_metrics()),
                ("curves", "Training curves", self.curves()),
                ("lengths", "Test metrics by sequence length", self.lengths()),
                ("neighbours", "Semantic neighbours", self.neighbours())]

    def summary(self) -> str:
        run, histories = self.run, self.histories
        data, model, objective = run.section("data"), run.section("model"), run.section("objective")
        kept = kept_epochs(histories)
        rows = [("run directory", str(run.path)), ("data", f"{data.get('loader', '?')}: {data.get('path', '?')}"),
                ("backbone", model.get("backbone", "?")),
                ("objective", objective.get("name", run.section("train").get("objective", "?"))),
                ("seeds", ", ".join(map(str, run.seed_folders))),
                ("epochs trained", ", ".join(f"{len(h)} (seed {s})" for s, h in histories.items()) or "—"),
                ("epoch kept", ", ".join(f"{e} (seed {s})" for s, e in kept.items()) or "—")]
        return html.table(None, rows, numeric_from=2)

    def test_metrics(self) -> str:
        try:
            result = load_run(self.run.path)
        except UsageError as problem:
            return html.missing(str(problem))
        if len(result.seeds) == 1:
            return html.table(["metric", "value"], [(name, html.number(result.mean(name))) for name in result.values])
        headers = ["metric", "mean", *(f"seed {seed}" for seed in result.seeds)]
        rows = [(name, html.number(result.mean(name)), *map(html.number, values))
                for name, values in result.values.items()]
        return html.table(headers, rows)

    def curves(self) -> str:
        histories = self.histories
        if not histories:
            return html.missing(f"no {layout.HISTORY} under {self.run.path} (the run has not trained)")
        plot_curves(histories, self.run.early_stop_metric, self.folder / CURVES)
        alt = f"loss components and validation {self.run.early_stop_metric} per epoch"
        note = "Every seed is drawn; the dot marks the epoch whose weights were kept (best validation)."
        return f'<img src="{CURVES}" alt="{html.text(alt)}"><p class="note">{html.text(note)}</p>'

    def lengths(self) -> str:
        weights = [self.run.weights(seed) for seed in self.run.seed_folders]
        absent = [str(path) for path in weights if not path.is_file()]
        if absent:
            return html.missing(f"needs the run's weights: {', '.join(absent)} missing")
        recipe = self.run.recipe
        if recipe is None:
            return html.missing(f"needs the run's recipe to validate here: {self.run.recipe_problem}")
        per_seed = self.ranked_groups()
        rows = mean_over_seeds(per_seed)
        write_json(self.folder / LENGTH_GROUPS, {"starts": list(self.options.starts), "groups": rows,
                                                  "seeds": {str(seed): groups for seed, groups in per_seed.items()}})
        self.console.print(groups_table(rows, recipe.config.eval.ks, f"{self.run.name}: test by sequence length"))
        return self.groups_html(rows, recipe.config.eval.ks, len(per_seed))

    def ranked_groups(self) -> dict[int, list[dict]]:
        import torch

        from sracl_cli.devices import set_threads
        from sracl_cli.runs import seed_experiment

        exp = self.experiment
        set_threads(exp.recipe.config.train.threads)
        lengths = exp.data.lengths()[exp.split.test.users]
        per_seed = {}
        for seed in self.run.seed_folders:
            run = seed_experiment(exp, seed) if exp.recipe.config.train.seeds else exp
            self.console.print(f"ranking {len(exp.split.test):,} test users (seed {seed})", highlight=False)
            ranks = ranks_on_test(run, torch.device("cpu"))
            per_seed[seed] = by_length(ranks, lengths, self.options.starts, exp.recipe.config.eval.ks)
        return per_seed

    def groups_html(self, rows: list[dict], ks: list[int], seeds: int) -> str:
        headers = ["interactions", "users", *(f"{m}@{k}" for k in ks for m in ("HR", "NDCG"))]
        cells = [(row["group"], row["users"], *(html.number(row["metrics"] and row["metrics"][f"{m}@{k}"])
                                                for k in ks for m in ("hr", "ndcg"))) for row in rows]
        note = (f"Users grouped by the length of their whole sequence; full ranking as `sracl eval` ranks, "
                f"{'mean over ' + str(seeds) + ' seeds' if seeds > 1 else 'one seed'}. JSON: {LENGTH_GROUPS}.")
        return html.table(headers, cells) + f'<p class="note">{html.text(note)}</p>'

    def neighbours(self) -> str:
        semantic = self.run.semantic_dir
        paths = [semantic / INDEX.name / layout.ITEM_NEIGHBORS, semantic / INDEX.name / layout.USER_NEIGHBORS,
                 semantic / EMBED.name / layout.UNITS]
        absent = [str(path) for path in paths if not path.is_file()]
        if absent:
            return html.missing(f"needs the run's semantic stages (sracl embed, sracl index): {', '.join(absent)} "
                                "missing")
        recipe = self.run.recipe
        if recipe is None:
            return html.missing(f"needs the run's recipe to validate here: {self.run.recipe_problem}")
        rebuild = f"run `sracl run {os.path.relpath(recipe.source)}` again"
        items, users = (read_artifact(path, load_npy, rebuild) for path in paths[:2])
        units = read_artifact(paths[2], load_units, rebuild)
        data = self.experiment.data
        _check_rows(paths[0], items, data.n_items + 1, rebuild)
        _check_rows(paths[1], users, len(units), rebuild)
        options, k = self.options, min(self.options.k, items.shape[1], users.shape[1])
        found = {"items": item_examples(items, data, options.examples, k),
                 "units": unit_examples(users, units, data, options.examples, k, options.max_titles)}
        write_json(self.folder / NEIGHBOURS, {"k": k, "unit_mode": units.mode, **found})
        return _items_html(found["items"]) + _units_html(found["units"], units.mode)


def make_page(console: Console, run_path: Path, out: Path | None, length_groups: str, examples: int, k: int) -> Path:
    """`sracl page`: read the run, build its page, name what was written."""
    try:
        starts = parse_starts(length_groups)
    except ValueError as error:
        raise UsageError(f"--length-groups: '{length_groups}' is not a list of group starts ({error}), "
                         "e.g. 7,11") from None
    run = open_run(run_path)
    out = out if out is not None else run.path / layout.PAGE
    built = build_page(run, out, PageOptions(starts, examples, k), console)
    files = ", ".join(sorted(path.name for path in out.iterdir()))
    console.print(f"wrote {out}{os.sep}: {files}", markup=False, highlight=False, soft_wrap=True)
    return built


def build_page(run: RunRecord, out: Path, options: PageOptions, console: Console) -> Path:
    with staged_folder(out) as folder:
        page = Page(run, folder, options, console)
        write_text(folder / INDEX_HTML, html.document(f"sracl run: {run.name}", page.sections()))
    return out / INDEX_HTML


def groups_table(rows: list[dict], ks: list[int], title: str) -> Table:
    table = Table(title=title)
    for header in ("interactions", "users", *(f"{m}@{k}" for k in ks for m in ("HR", "NDCG"))):
        table.add_column(header, justify="left" if header == "interactions" else "right")
    for row in rows:
        values = [html.number(row["metrics"] and row["metrics"][f"{m}@{k}"]) for k in ks for m in ("hr", "ndcg")]
        table.add_row(row["group"], f"{row['users']:,}", *values)
    return table


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A fresh folder that replaces `out` when the block succeeds (and is removed when it fails)."""
    if out.exists() and not (out / INDEX_HTML).is_file():
        raise UsageError(f"{out}: exists and is not a run page (no {INDEX_HTML}); give another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        yield staging
        staging.chmod(0o755)  # mkdtemp makes 0700
        if out.exists():
            old = staging.with_suffix(".old")
            os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old)
        else:
            os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_rows(path: Path, table, expected: int, rebuild: str) -> None:
    if table.ndim != 2 or len(table) != expected:
        raise UsageError(f"{path}: {table.shape} rows for {expected} expected (stale next to the data); {rebuild}")


def _items_html(examples: list[dict]) -> str:
    rows = [(f"{e['title']} ({e['interactions']} interactions)", html.ordered(n["title"] for n in e["neighbours"]))
            for e in examples]
    intro = "The most interacted items and their nearest items by embedding (the index stage's item table)."
    return f'<h3>Items</h3><p class="note">{html.text(intro)}</p>' + html.table(["item", "nearest items"], rows, 2)


def _units_html(examples: list[dict], mode: str) -> str:
    intro = (f"User units ({mode} mode) spread over the table, each shown by its items' titles (oldest first), "
             "and the units nearest to it (the index stage's user table).")
    parts = [f'<h3>User units</h3><p class="note">{html.text(intro)}</p>']
    for example in examples:
        neighbours = "".join(f"<li>{_unit_line(n)}</li>" for n in example["neighbours"])
        parts.append(f'<div class="unit"><b>{html.text(_unit_name(example))}</b>{html.ordered(example["titles"])}'
                     f"nearest units:<ol>{neighbours}</ol></div>")
    return "".join(parts)


def _unit_name(unit: dict) -> str:
    earlier = f" ({unit['earlier']} earlier items not shown)" if unit["earlier"] else ""
    return f"user {unit['user']}, unit {unit['unit']}{earlier}"


def _unit_line(unit: dict) -> str:
    return f"{html.text(_unit_name(unit))}: {html.text(' → '.join(unit['titles']))}"
