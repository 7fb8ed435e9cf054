"""`sracl compare RUN_A RUN_B`: mean of each metric in both runs, relative difference, paired t-test over seeds.

A run directory holds either `summary.json` (a `train.seeds` run) or `eval/metrics.json` (a single run, whose
seed is read from its `recipe.resolved.toml`); a `train.seeds` run without its summary yet (seeds still training,
or stopped) is read from the seeds it has finished, `seeds/seed-<n>/eval/metrics.json`, and says so. The t-test
pairs the values of the seeds both runs share, and the means and relative difference are taken over those seeds
too (so that they agree with the test in sign); over every seed only when the runs share none.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.table import Table

from sracl_cli import layout
from sracl_cli.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class RunResult:
    """Per metric, one test value per seed; `seeds[i]` is the seed of `values[metric][i]` (None: unknown)."""

    path: Path
    seeds: list[int | None]
    values: dict[str, list[float]]
    note: str | None = None  # how the values were read, when not from a finished run's own results

    def mean(self, metric: str) -> float:
        return float(np.mean(self.values[metric]))

    def by_seed(self, metric: str) -> dict[int, float]:
        return {seed: value for seed, value in zip(self.seeds, self.values[metric]) if seed is not None}


def load_run(run_dir: Path) -> RunResult:
    summary, single = run_dir / "summary.json", run_dir / "eval" / "metrics.json"
    if summary.is_file():
        return _from_summary(run_dir, summary)
    if single.is_file():
        return _from_single(run_dir, single)
    finished = list(run_dir.glob(f"{layout.SEEDS_DIR}/seed-*/eval/{layout.METRICS}"))
    if finished:
        return _from_finished_seeds(run_dir, finished)
    raise UsageError(f"{run_dir}: not a run directory (expected {summary}, {single} or "
                     f"{run_dir / layout.SEEDS_DIR}/seed-<n>/eval/{layout.METRICS})")


def compare_runs(a: RunResult, b: RunResult) -> dict:
    """The comparison as written by `--out`: per metric mean_a, mean_b, rel_diff, t and p (null: no test)."""
    common = [seed for seed in a.seeds if seed is not None and seed in b.seeds]
    metrics = {name: _compare_metric(a, b, name, common) for name in a.values if name in b.values}
    only = sorted(set(a.values) ^ set(b.values))
    notes = [f"fewer than 2 seeds in common ({len(common)}): no paired t-test"] if len(common) < 2 else []
    if len(common) >= 2 and any(row["p"] is None for row in metrics.values()):
        notes.append("p is n/a where B − A is the same on every common seed")
    notes += [f"compared only the metrics both runs have; left out: {', '.join(only)}"] if only else []
    notes += [f"{name}: {run.note}" for name, run in (("A", a), ("B", b)) if run.note]
    return {"a": str(a.path), "b": str(b.path), "seeds_a": a.seeds, "seeds_b": b.seeds,
            "common_seeds": common, "metrics": metrics, "notes": notes}


def comparison_table(comparison: dict) -> Table:
    table = Table(title=f"A = {comparison['a']}\nB = {comparison['b']}")
    for header in ("metric", "mean A", "mean B", "(B − A) / A", "t", f"p (n={len(comparison['common_seeds'])})"):
        table.add_column(header, justify="left" if header == "metric" else "right")
    for name, row in comparison["metrics"].items():
        rel = "n/a" if row["rel_diff"] is None else f"{row['rel_diff']:+.2%}"
        t, p = ("n/a", "n/a") if row["p"] is None else (f"{row['t']:.3f}", f"{row['p']:.4g}")
        table.add_row(name, f"{row['mean_a']:.4f}", f"{row['mean_b']:.4f}", rel, t, p)
    return table


def _compare_metric(a: RunResult, b: RunResult, name: str, common: list[int]) -> dict:
    a_by_seed, b_by_seed = a.by_seed(name), b.by_seed(name)
    a_paired, b_paired = [a_by_seed[s] for s in common], [b_by_seed[s] for s in common]
    if common:
        mean_a, mean_b = float(np.mean(a_paired)), float(np.mean(b_paired))
    else:
        mean_a, mean_b = a.mean(name), b.mean(name)
    rel_diff = (mean_b - mean_a) / mean_a if mean_a != 0 else None
    t, p = _paired_t_test(a_paired, b_paired)
    return {"mean_a": mean_a, "mean_b": mean_b, "rel_diff": rel_diff, "t": t, "p": p}


def _paired_t_test(a_values: list[float], b_values: list[float]) -> tuple[float | None, float | None]:
    """t statistic of B − A and its two-sided p; (None, None) below 2 pairs or when every difference is equal."""
    if len(a_values) < 2:
        return None, None
    from scipy.stats import ttest_rel

    with np.errstate(divide="ignore", invalid="ignore"):
        result = ttest_rel(b_values, a_values)
    t, p = float(result.statistic), float(result.pvalue)
    return (None, None) if math.isnan(p) else (t, p)


def _from_summary(run_dir: Path, path: Path) -> RunResult:
    summary = _read_json(path)
    try:
        seeds: list[int | None] = [int(seed) for seed in summary["seeds"]]
        values = {name: [float(v) for v in stats["values"]] for name, stats in summary["metrics"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UsageError(f"{path}: not a sracl summary.json (expected seeds and metrics.*.values): {error!r}") from None
    wrong = [name for name, row in values.items() if len(row) != len(seeds)]
    if not seeds or wrong:
        raise UsageError(f"{path}: every metric needs one value per seed ({len(seeds)} seeds)")
    return RunResult(run_dir, seeds, values)


def _from_single(run_dir: Path, path: Path) -> RunResult:
    try:
        values = {name: [float(value)] for name, value in _read_json(path)["metrics"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UsageError(f"{path}: not a sracl metrics.json (expected metrics): {error!r}") from None
    return RunResult(run_dir, [_single_run_seed(run_dir)], values)


def _from_finished_seeds(run_dir: Path, files: list[Path]) -> RunResult:
    """The seeds of a `train.seeds` run that have test metrics, in seed order, before its summary exists."""
    by_seed = {}
    for path in files:
        name = path.parent.parent.name.removeprefix("seed-")
        if name.lstrip("-").isdigit():
            by_seed[int(name)] = _from_single(run_dir, path).values
    if not by_seed:
        raise UsageError(f"{run_dir}: no seeds/seed-<n>/eval/{layout.METRICS} names a seed")
    seeds = sorted(by_seed)
    shared = set.intersection(*(set(values) for values in by_seed.values()))
    values = {name: [by_seed[seed][name][0] for seed in seeds] for name in by_seed[seeds[0]] if name in shared}
    note = f"no {layout.SUMMARY} yet: the {len(seeds)} finished seed(s) {', '.join(map(str, seeds))}"
    return RunResult(run_dir, list(seeds), values, note)


def _single_run_seed(run_dir: Path) -> int | None:
    resolved = run_dir / "recipe.resolved.toml"
    if not resolved.is_file():
        return None
    try:
        return tomllib.loads(resolved.read_text(encoding="utf-8")).get("train", {}).get("seed")
    except tomllib.TOMLDecodeError:
        return None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: invalid JSON: {error}") from None
