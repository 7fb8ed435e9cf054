"""Estimate the training time of every recipe of the reproduction suite in one command, writing nothing:

    python scripts/estimate_repro.py [recipes/repro] [--json]

The suite is the recipes that its report specs (`**/*report.toml`) name. Each estimate is `sracl train RECIPE
--dry-run`'s (a few batches timed on this machine; sracl_cli/training/dry_run.py). A recipe that cannot be
estimated here (its data, or the embed/index artifacts its objective reads, missing) is listed with the reason
and the command to run first, and the exit status is then 2. A recipe with `eval.weights_from` trains
nothing (it evaluates another recipe's weights) and is listed apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from sracl_cli.errors import UsageError
from sracl_cli.evaluation.results_report import load_spec
from sracl_cli.recipe import load_recipe
from sracl_cli.training.dry_run import duration, estimate, estimate_table

REPRO = Path(__file__).resolve().parents[1] / "recipes" / "repro"


def suite_recipes(folder: Path) -> list[Path]:
    """Every recipe a report spec under `folder` names, once, in the specs' order."""
    found: dict[Path, None] = {}
    for spec in sorted(folder.rglob("*report.toml")):
        for row in load_spec(spec).rows:
            found.setdefault(row.recipe)
    return list(found)


def estimate_suite(folder: Path, progress: Console) -> dict:
    """The estimates, the recipes that could not be estimated (path -> reason), those that train nothing (they
    evaluate another recipe's weights: `eval.weights_from`) and the estimated total."""
    estimates, problems, evaluate_only = [], {}, []
    for path in suite_recipes(folder):
        try:
            recipe = load_recipe(path)
            if recipe.config.eval.weights_from is not None:
                evaluate_only.append(str(path))
                continue
            estimates.append(estimate(recipe, progress))
        except UsageError as error:
            problems[str(path)] = " ".join(error.lines)
    total = sum(row["seconds_total"] for row in estimates)
    return {"estimates": estimates, "problems": problems, "evaluate_only": evaluate_only, "seconds_total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=REPRO)
    parser.add_argument("--json", action="store_true", help="the estimates as JSON on stdout")
    args = parser.parse_args()
    errors = Console(stderr=True)
    try:
        suite = estimate_suite(args.folder, errors)
    except UsageError as error:  # a report spec that does not load
        for line in error.lines:
            errors.print(line, markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    if args.json:
        print(json.dumps(suite, indent=2, ensure_ascii=False))
    else:
        console = Console()
        console.print(estimate_table(suite["estimates"]))
        console.print(f"total: {duration(suite['seconds_total'])} for {len(suite['estimates'])} recipes",
                      highlight=False)
        for path in suite["evaluate_only"]:
            console.print(f"not trained (evaluates another run's weights): {path}", markup=False, highlight=False,
                          soft_wrap=True)
        for path, problem in suite["problems"].items():
            console.print(f"not estimated: {path}: {problem}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(2 if suite["problems"] else 0)


if __name__ == "__main__":
    main()
