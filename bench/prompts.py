"""Prompt building and the LLM dry run on full Beauty: the time of `sample_contexts`, of `build_prompts`
(12,101 item + 176,139 user prompts) and of `dry_run_report` with a priced model (token counting on a sample),
each against the budget the tests used to assert (5 s, 15 s, 20 s on 2 cores). Nothing is sent. Run by hand:

    SRACL_DATA=/work/shared/data .venv/bin/python bench/prompts.py [--repeats 3] [--quick]

Default data: recipes/beauty.toml. `--quick`: the bundled sample's 4-core (423 item + 296 user prompts), where
the budgets do not apply.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from rich.console import Console

from common import QUICK_OVERRIDES, QUICKSTART, REPO, common_arguments, make_table, save_results, timed
from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.contexts import sample_contexts
from sracl_cli.semantic.dry_run import dry_run_report
from sracl_cli.semantic.prompts import build_prompts

DRY_RUN_MODEL = "deepseek/deepseek-chat"  # any model in LiteLLM's price map: the dry run counts and prices
BUDGET_S = {"sample_contexts": 5.0, "build_prompts": 15.0, "dry_run_report": 20.0}  # full Beauty, 2 cores


def best_of(repeats: int, call) -> tuple[object, list[float]]:
    seconds = []
    for _ in range(repeats):
        result, took = timed(call)
        seconds.append(took)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    common_arguments(parser)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    recipe_path, overrides = (QUICKSTART, QUICK_OVERRIDES) if args.quick else (REPO / "recipes" / "beauty.toml", [])
    with tempfile.TemporaryDirectory() as scratch:
        # A cache file that does not exist: the dry run never reads a real response cache.
        llm = ['llm.provider="litellm"', f'llm.model="{DRY_RUN_MODEL}"', f'llm.cache="{Path(scratch) / "none.sqlite"}"']
        recipe = load_recipe(recipe_path, overrides + llm)
        data, load_s = timed(lambda: load_dataset(recipe))
        section = recipe.config.prompts
        contexts, contexts_s = best_of(repeats, lambda: sample_contexts(
            data, section.contexts_per_item, section.context_len, section.seed))
        prompts, prompts_s = best_of(repeats, lambda: build_prompts(recipe, data))
        report, dry_run_s = best_of(repeats, lambda: dry_run_report(recipe, data, Console(file=io.StringIO())))
    steps = {
        "sample_contexts": {"seconds": contexts_s, "contexts": int(len(contexts.start))},
        "build_prompts": {"seconds": prompts_s, "item_prompts": len(prompts.items), "user_prompts": len(prompts.users)},
        "dry_run_report": {"seconds": dry_run_s, "input_tokens": sum(report["input_tokens"].values()),
                           "cost_usd_typical": report["cost_usd_typical"]},
    }
    for name, step in steps.items():
        step["best_s"] = min(step["seconds"])
        step["budget_s"] = None if args.quick else BUDGET_S[name]
        step["within_budget"] = None if args.quick else step["best_s"] < BUDGET_S[name]
    rows = [[name, f"{step['best_s']:.2f}", "-" if step["budget_s"] is None else f"{step['budget_s']:.0f}",
             "-" if step["within_budget"] is None else ("yes" if step["within_budget"] else "NO")]
            for name, step in steps.items()]
    title = (f"prompt building and dry run, {recipe.name}: {len(prompts.items):,} item + {len(prompts.users):,} "
             f"user prompts (best of {repeats})")
    table = make_table(title, ["step", "seconds", "budget s", "within"], rows)
    table.caption = f"load_dataset {load_s:.2f} s (once); dry run model {DRY_RUN_MODEL}, nothing sent"
    save_results("prompts", args, table, {"recipe": str(recipe.source), "items": data.n_items,
                                          "load_dataset_s": load_s, "model": DRY_RUN_MODEL, "steps": steps})


if __name__ == "__main__":
    main()
