"""Full-ranking test evaluation: sracl's streamed torch.topk against the official shape (every score row
concatenated into one dense users x items float32 matrix, numpy argpartition top-20, Python loops for the
metrics), on the same model and data. Time, peak memory and the metrics of both. Run by hand:

    SRACL_DATA=/work/shared/data .venv/bin/python bench/eval.py [--checkpoint RUN/train/model.pt] [--quick]

Default data: recipes/beauty.toml (22,363 test users x 12,101 items). Without --checkpoint the model is a
seeded, untrained SASRec: the ranking work does not depend on the weights. `--quick`: the bundled sample.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch

from common import QUICKSTART, REPO, PeakMemory, common_arguments, make_table, save_results, timed
from sracl_cli.checkpoint import load_state
from sracl_cli.evaluation.metrics import metrics_from_ranks
from sracl_cli.evaluation.ranking import target_ranks
from sracl_cli.experiment import Experiment
from sracl_cli.recipe import load_recipe
from sracl_cli.training.seeding import seed_everything

KS = [10, 20]


@torch.no_grad()
def official_shape_metrics(model, samples, batch_size: int) -> dict[str, float]:
    model.eval()
    item_table = model.item_embeddings()
    rows = []
    for start in range(0, len(samples), batch_size):
        inputs = torch.from_numpy(samples.inputs[start : start + batch_size])
        scores = model.encode(inputs) @ item_table.T
        scores[:, 0] = float("-inf")
        rows.append(scores.numpy())
    dense = np.concatenate(rows, axis=0)  # users x items, float32
    top = np.argpartition(-dense, max(KS), axis=1)[:, : max(KS)]
    totals = {f"{name}@{k}": 0.0 for k in KS for name in ("hr", "ndcg")}
    for user, target in enumerate(samples.targets):
        ordered = sorted(top[user], key=lambda item: -dense[user, item])
        rank = ordered.index(target) if target in ordered else None
        for k in KS:
            if rank is not None and rank < k:
                totals[f"hr@{k}"] += 1.0
                totals[f"ndcg@{k}"] += 1.0 / math.log2(rank + 2)
    return {name: value / len(samples) for name, value in totals.items()}


def hr_and_ndcg(metrics: dict[str, float]) -> dict[str, float]:
    """The metrics the official shape computes (it has no MRR)."""
    return {name: value for name, value in metrics.items() if not name.startswith("mrr")}


def measured(call) -> tuple[dict, float, float]:
    memory = PeakMemory()
    memory.start()
    result, seconds = timed(call)
    return result, seconds, memory.peak_mib()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    common_arguments(parser)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    recipe = load_recipe(QUICKSTART if args.quick else REPO / "recipes" / "beauty.toml")
    exp = Experiment.from_recipe(recipe)
    seed_everything(0)
    model = exp.build_model()
    if args.checkpoint:
        model.load_state_dict(load_state(args.checkpoint))
    test, batch = exp.split.test, recipe.config.eval.batch_size
    device = torch.device("cpu")
    runs = {"sracl": [], "official shape": []}
    for _ in range(1 if args.quick else args.repeats):
        runs["sracl"].append(measured(lambda: hr_and_ndcg(metrics_from_ranks(
            target_ranks(model, test, exp.data, max(KS), batch, False, device), KS))))
        runs["official shape"].append(measured(lambda: official_shape_metrics(model, test, batch)))
    results = {name: {"seconds": [r[1] for r in rs], "peak_mib": min(r[2] for r in rs), "metrics": rs[0][0]}
               for name, rs in runs.items()}
    best = {name: min(r["seconds"]) for name, r in results.items()}
    rows = [[name, f"{best[name]:.2f}", f"{r['peak_mib']:,.0f}", f"{r['metrics']['hr@20']:.4f}",
             f"{r['metrics']['ndcg@20']:.4f}"] for name, r in results.items()]
    title = (f"{recipe.name}: full ranking, {len(test):,} test users x {exp.data.n_items:,} items "
             f"({'trained' if args.checkpoint else 'untrained'} SASRec, best of {len(runs['sracl'])})")
    table = make_table(title, ["implementation", "seconds", "peak MiB", "HR@20", "NDCG@20"], rows)
    table.caption = f"official shape / sracl: {best['official shape'] / best['sracl']:.1f}x time"
    save_results("eval", args, table, {
        "recipe": str(recipe.source), "checkpoint": str(args.checkpoint) if args.checkpoint else None,
        "users": len(test), "items": exp.data.n_items, **results,
        "ratio_time": best["official shape"] / best["sracl"]})


if __name__ == "__main__":
    main()
