"""Time training steps of each objective on full Beauty (131,413 samples, 12,101 items), side by side in one
process, and extrapolate to an epoch (ceil(131,413 / 256) = 514 batches). Run by hand:

    SRACL_DATA=/work/shared/data .venv/bin/python bench/beauty_step_times.py RUN_DIR [--batches 30]

RUN_DIR must hold embed/items.npy (bench/embed_beauty.py) and index/exact_tables_proxy.npz or the index stage's
tables. User units are every training prefix (176,139); their semantic vectors are the normalised mean of their
items' MiniLM title vectors (bench/search_beauty.py `proxy`), since embedding all 176k unit texts takes ~2.5 h
on 2 cores. Step time does not depend on the vectors' values, only on the shapes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from sracl_cli.artifacts import write_npy
from sracl_cli.experiment import Experiment
from sracl_cli.objectives.factory import build_objective
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.units import user_units
from sracl_cli.semantic.units_io import save_units
from sracl_cli.training.loop import Trainee, batch_rows, train_step
from sracl_cli.training.seeding import seed_everything

from search_beauty import proxy_unit_vectors  # bench/ sibling script (bench/ is on sys.path when run)

REPO = Path(__file__).resolve().parents[1]
OBJECTIVES = {
    "none": ["train.objective=none"],
    "cl4srec": ["train.objective=cl4srec"],
    "duorec": ["train.objective=duorec"],
    "sracl bank": ["train.objective=sracl", "sracl.neighbor_encoding=bank"],
    "sracl live": ["train.objective=sracl", "sracl.neighbor_encoding=live"],
}


def prepare_run_dir(run_dir: Path, exp: Experiment) -> None:
    units = user_units(exp.data, "prefix", exp.recipe.config.data.max_len)
    items = np.load(run_dir / "embed" / "items.npy")
    write_npy(run_dir / "embed" / "users.npy", proxy_unit_vectors(items, exp.data, units))
    save_units(run_dir / "embed" / "units.npz", units)
    tables = np.load(run_dir / "index" / "exact_tables_proxy.npz")
    write_npy(run_dir / "index" / "item_neighbors.npy", tables["items"].astype(np.int32))
    write_npy(run_dir / "index" / "user_neighbors.npy", tables["units"].astype(np.int32))


def time_steps(exp: Experiment, batches: int) -> float:
    generator = seed_everything(0)
    model = exp.build_model()
    objective = build_objective(exp, model)
    optimizer = torch.optim.Adam(list(model.parameters()) + list(objective.parameters()), lr=1e-3)
    trainee = Trainee(model, objective, optimizer)
    objective.start(model)
    inputs, targets = (torch.from_numpy(a) for a in (exp.split.train.inputs, exp.split.train.targets))
    order = torch.randperm(len(targets), generator=generator)[: 256 * (batches + 2)].split(256)
    model.train()
    for step, rows in enumerate(order):
        if step == 2:  # the first steps warm up allocators and caches
            started = time.perf_counter()
        train_step(trainee, batch_rows(objective, inputs, targets, rows, torch.device("cpu")))
    return (time.perf_counter() - started) / batches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--batches", type=int, default=30)
    args = parser.parse_args()
    overrides = [f'output.dir="{args.run_dir.resolve()}"']
    base = Experiment.from_recipe(load_recipe(REPO / "recipes" / "beauty.toml", overrides))
    if not (args.run_dir / "index" / "user_neighbors.npy").exists():
        prepare_run_dir(args.run_dir, base)
    n_batches = -(-len(base.split.train) // 256)
    results = {}
    for name, switches in OBJECTIVES.items():
        recipe = load_recipe(REPO / "recipes" / "beauty.toml", overrides + switches)
        per_batch = time_steps(Experiment(recipe, base.data, base.split), args.batches)
        results[name] = {"seconds_per_batch": per_batch, "epoch_seconds": per_batch * n_batches}
    for result in results.values():
        result["ratio_to_none"] = result["epoch_seconds"] / results["none"]["epoch_seconds"]
    table = Table(title=f"Beauty, SASRec, batch 256, {args.batches} timed batches each, extrapolated to {n_batches}")
    for column in ("objective", "s / batch", "s / epoch", "x none"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(name, f"{r['seconds_per_batch']:.3f}", f"{r['epoch_seconds']:.0f}", f"{r['ratio_to_none']:.1f}")
    Console().print(table)
    out = REPO / "bench" / "results" / "beauty_step_times.json"
    out.write_text(json.dumps({"batches_timed": args.batches, "torch_threads": torch.get_num_threads(), **results}, indent=2))


if __name__ == "__main__":
    main()
