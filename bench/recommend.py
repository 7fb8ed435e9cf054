"""`sracl recommend --all-users` at Beauty scale: top-20 for every user of a trained run (the ranking, then the
same with the CSV written), through the serving code the command uses, beside `sracl eval`'s ranking of the
test targets on the same model (the full-ranking speed to match). Run by hand:

    SRACL_DATA=/work/shared/data .venv/bin/python bench/recommend.py [--run RUN_DIR] [--quick]

Default run: /tmp/sracl-bench/beauty-none, SASRec with objective `none` trained for one epoch on
recipes/beauty.toml (22,363 users x 12,101 items); it is trained first when missing (the ranking work does not
depend on how well the model is trained). `--quick`: the same on the bundled sample's 4-core, trained into a
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import QUICK_OVERRIDES, QUICKSTART, REPO, common_arguments, console, make_table, save_results, timed
from sracl_cli.data.split import leave_one_out
from sracl_cli.devices import set_threads
from sracl_cli.evaluation.ranking import target_ranks
from sracl_cli.serving import load_run
from sracl_cli.serving.outputs import write_results
from sracl_cli.serving.recommend import Query, recommend_stream

BEAUTY_RUN = Path("/tmp/sracl-bench/beauty-none")
TRAIN_OVERRIDES = ["train.epochs=1", "train.threads=1", "objective.name=none"]
K = 20


def trained_run(recipe: Path, run_dir: Path, overrides: list[str]) -> Path:
    """`run_dir`, after `sracl train` into it when it has no model yet."""
    if not (run_dir / "train" / "model.pt").is_file():
        from sracl_cli.recipe import load_recipe
        from sracl_cli.runs import train_recipe

        console.print(f"no trained model in {run_dir}: training one epoch first")
        settings = [*overrides, *TRAIN_OVERRIDES, f"output.dir={json.dumps(str(run_dir))}"]
        train_recipe(load_recipe(recipe, settings), console)
    return run_dir


def all_users(run, exclude_seen: bool) -> list:
    queries = (Query(key=user, user=user) for user in run.data.user_ids)
    return [batch for batch in recommend_stream(run, queries, K, exclude_seen)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--run", type=Path, help="a trained run directory (default: see the module docstring)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the best is reported")
    args = parser.parse_args()
    set_threads(1)
    scratch = Path(tempfile.mkdtemp(prefix="sracl-bench-recommend-"))
    if args.run is not None:
        run_dir = args.run
    elif args.quick:
        run_dir = trained_run(QUICKSTART, scratch / "run", QUICK_OVERRIDES)
    else:
        run_dir = trained_run(REPO / "recipes" / "beauty.toml", BEAUTY_RUN, [])
    run, load_s = timed(lambda: load_run(run_dir))
    rows, timings = [], {}
    test = leave_one_out(run.data, run.max_len).test
    eval_s = min(timed(lambda: target_ranks(run.model, test, run.data, K, run.batch_size, False, run.device))[1]
                 for _ in range(args.repeats))
    timings["sracl eval's ranking of the test targets"] = round(eval_s, 3)
    rows.append(["sracl eval's ranking (test targets)", f"{eval_s:.2f}", f"{len(test) / eval_s:,.0f}"])
    for name, exclude_seen, out in [("rank, seen items hidden", True, None), ("rank, seen items kept", False, None),
                                    ("rank + write CSV, seen hidden", True, scratch / "top20.csv")]:
        def once(exclude_seen=exclude_seen, out=out):
            batches = all_users(run, exclude_seen)
            if out is not None:
                write_results(out, batches)
            return batches

        seconds = min(timed(once)[1] for _ in range(args.repeats))
        timings[name] = round(seconds, 3)
        rows.append([name, f"{seconds:.2f}", f"{run.data.n_users / seconds:,.0f}"])
    title = (f"top-{K} for all {run.data.n_users:,} users x {run.data.n_items:,} items "
             f"(best of {args.repeats}, 1 thread)")
    table = make_table(title, ["pass", "seconds", "users/s"], rows)
    save_results("recommend", args, table, {
        "run": str(run_dir), "users": run.data.n_users, "items": run.data.n_items, "k": K,
        "batch_size": run.batch_size, "load_run_s": round(load_s, 3), "seconds": timings,
    })


if __name__ == "__main__":
    main()
