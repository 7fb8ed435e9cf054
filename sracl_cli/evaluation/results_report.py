"""`sracl report SPEC.toml`: a markdown results table (mean ± std over seeds) and paired t-tests, from run records.

A report spec names its rows (a label, the recipe that made the run, the run directory) and the comparisons
to test. `--update FILE.md` replaces the block between `<!-- report: NAME -->` and `<!-- end report: NAME -->`
in FILE.md, so prose around the numbers stays hand-written and the numbers never are.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from sracl_cli.errors import UsageError
from sracl_cli.evaluation.compare import compare_runs, load_run
from sracl_cli.recipe import METRIC_PATTERN, Section

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

class Row(Section):
    label: str
    recipe: Path = Field(description="the recipe that produced the run (shown as a link)")
    run: Path = Field(description="run directory (summary.json or eval/metrics.json)")


class Comparison(Section):
    b: str = Field(description="label of the run under test")
    a: str | None = Field(None, description="label of the reference run")
    a_best_of: list[str] | None = Field(None, description="reference = the best of these labels by `rank_by`")

    @model_validator(mode="after")
    def _one_reference(self):
        if (self.a is None) == (self.a_best_of is None):
            raise ValueError("give exactly one of a or a_best_of")
        return self


class ReportSpec(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    metrics: list[str] = Field(default_factory=lambda: ["hr@10", "ndcg@10", "hr@20", "ndcg@20"], min_length=1)
    rank_by: str = "hr@20"
    rows: list[Row] = Field(min_length=1)
    comparisons: list[Comparison] = Field(default_factory=list)

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, metrics: list[str]) -> list[str]:
        unknown = [m for m in metrics if not METRIC_PATTERN.match(m)]
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; expected names like hr@20, ndcg@10, mrr@5")
        return metrics

    @model_validator(mode="after")
    def _labels_exist(self):
        labels = [row.label for row in self.rows]
        if len(set(labels)) != len(labels):
            raise ValueError("row labels must be distinct")
        named = [c.b for c in self.comparisons] + [c.a for c in self.comparisons if c.a]
        named += [label for c in self.comparisons for label in c.a_best_of or []]
        missing = sorted(set(named) - set(labels))
        if missing:
            raise ValueError(f"comparisons name labels that are not rows: {missing}")
        return self


def load_spec(path: Path) -> ReportSpec:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: report spec not found") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path.name}: TOML syntax error: {error}") from None
    try:
        spec = ReportSpec.model_validate(raw)
    except ValidationError as error:
        raise UsageError(*(f"{path.name}: {'.'.join(map(str, e['loc'])) or '(top level)'}: "
                           f"{e['msg'].removeprefix('Value error, ')}"
                           for e in error.errors(include_url=False))) from None
    base = path.resolve().parent
    for row in spec.rows:
        row.recipe, row.run = (base / row.recipe).resolve(), (base / row.run).resolve()
    return spec


def render(spec: ReportSpec, relative_to: Path) -> str:
    """The markdown block: one table of results, one of paired t-tests (links relative to `relative_to`)."""
    runs = {row.label: load_run(row.run) for row in spec.rows}
    for label, run in runs.items():
        missing = [m for m in spec.metrics if m not in run.values]
        if missing:
            raise UsageError(f"{run.path}: no {', '.join(missing)} in the run's test metrics ({label})")
    lines = _results_table(spec, runs, relative_to)
    if spec.comparisons:
        lines += [""] + _tests_table(spec, runs)
    return "\n".join(lines) + "\n"


def update_block(document: Path, name: str, block: str) -> str:
    """`document`'s text with the named report block replaced by `block`."""
    if not document.is_file():
        raise UsageError(f"{document}: not found")
    text = document.read_text(encoding="utf-8")
    start, end = f"<!-- report: {name} -->", f"<!-- end report: {name} -->"
    pattern = re.compile(re.escape(start) + r"\n.*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise UsageError(f"{document}: no block '{start}' ... '{end}' to update")
    return pattern.sub(lambda _: f"{start}\n{block}{end}", text)


def _results_table(spec: ReportSpec, runs: dict, relative_to: Path) -> list[str]:
    header = ["run", "seeds", *(m.upper() for m in spec.metrics), "recipe", "record"]
    lines = [_md_row(header), _md_row(["---"] * 2 + ["---:"] * len(spec.metrics) + ["---"] * 2)]
    for row in spec.rows:
        run = runs[row.label]
        cells = [_mean_std(run.values[m]) for m in spec.metrics]
        lines.append(_md_row([row.label, str(len(run.seeds)), *cells,
                              _link(row.recipe, relative_to), _link(row.run, relative_to)]))
    return lines


def _tests_table(spec: ReportSpec, runs: dict) -> list[str]:
    header = ["B (under test)", "A (reference)", "metric", "mean A", "mean B", "(B − A) / A", "t", "p", "seeds paired"]
    lines = [_md_row(header), _md_row(["---"] * 3 + ["---:"] * 6)]
    for comparison in spec.comparisons:
        if comparison.a:
            a_label = shown_a = comparison.a
        else:
            best_of = comparison.a_best_of
            assert best_of is not None  # Comparison._one_reference: a_best_of is given when a is not
            a_label = _best(best_of, runs, spec.rank_by)
            shown_a = f"{a_label} (best of {', '.join(best_of)} by {spec.rank_by})"
        result = compare_runs(runs[a_label], runs[comparison.b])
        for metric in spec.metrics:
            r = result["metrics"][metric]
            rel = "n/a" if r["rel_diff"] is None else f"{r['rel_diff']:+.1%}"
            t, p = ("n/a", "n/a") if r["p"] is None else (f"{r['t']:.2f}", f"{r['p']:.3g}")
            lines.append(_md_row([comparison.b, shown_a, metric.upper(), f"{r['mean_a']:.4f}", f"{r['mean_b']:.4f}",
                                  rel, t, p, str(len(result["common_seeds"]))]))
    return lines


def _best(labels: list[str], runs: dict, metric: str) -> str:
    return max(labels, key=lambda label: runs[label].mean(metric))


def _mean_std(values: list[float]) -> str:
    import numpy as np

    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"


def _link(path: Path, relative_to: Path) -> str:
    relative = Path(os.path.relpath(path, relative_to)).as_posix()
    return f"[{path.name}]({relative})"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
