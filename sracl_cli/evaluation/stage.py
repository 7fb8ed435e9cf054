"""`sracl eval`: rank all items for every test user with the trained model; metrics.json + a table."""

from __future__ import annotations

import torch
from rich.console import Console

from sracl_cli import layout
from sracl_cli.artifacts import write_json
from sracl_cli.checkpoint import load_state
from sracl_cli.evaluation.evaluate import evaluate_samples
from sracl_cli.evaluation.report import metrics_table
from sracl_cli.experiment import Experiment
from sracl_cli.manifests import record, write_resolved_recipe
from sracl_cli.stages import EVAL, stage_inputs


def run_eval(exp: Experiment, device: torch.device, console: Console) -> dict[str, float]:
    """Evaluate one run's `train/model.pt` (`runs.py` handles recipes with `train.seeds`)."""
    state = load_state(exp.weights_file)  # a missing checkpoint is a usage error, raised before any write
    write_resolved_recipe(exp.recipe)
    return evaluate_checkpoint(exp, device, console, state)


def evaluate_checkpoint(exp: Experiment, device: torch.device, console: Console, state: dict | None = None):
    model = exp.build_model()
    model.load_state_dict(state if state is not None else load_state(exp.weights_file))
    model.to(device)
    eval_cfg = exp.recipe.config.eval
    metrics = evaluate_samples(model, exp.split.test, exp.data, eval_cfg, device)
    eval_dir = exp.eval_dir
    write_json(eval_dir / layout.METRICS, {"split": "test", "users": len(exp.split.test), "metrics": metrics})
    record(eval_dir, exp.recipe, EVAL.name, stage_inputs(EVAL, exp.recipe, exp.out_dir), items=exp.data.n_items)
    title = f"{exp.recipe.name}: test, full ranking over {exp.data.n_items:,} items"
    console.print(metrics_table(metrics, eval_cfg.ks, title=title))
    return metrics
