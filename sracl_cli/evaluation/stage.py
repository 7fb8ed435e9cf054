"""`sracl eval`: rank all items for every test user with the trained model; metrics.json + a table."""

from __future__ import annotations

import torch
from rich.console import Console

from sracl_cli.artifacts import write_json, write_manifest
from sracl_cli.data.split import Samples
from sracl_cli.evaluation.metrics import metrics_from_ranks
from sracl_cli.evaluation.ranking import target_ranks
from sracl_cli.evaluation.report import metrics_table
from sracl_cli.experiment import Experiment, write_resolved_recipe
from sracl_cli.manifests import recipe_sections
from sracl_cli.recipe import Recipe
from sracl_cli.training.checkpoint import load_state
from sracl_cli.training.seeding import pick_device


def run_eval(recipe: Recipe, console: Console) -> dict[str, float]:
    exp = Experiment.from_recipe(recipe)
    device = pick_device(recipe.config.train.device)
    if recipe.config.train.seeds:
        from sracl_cli.training.seeds import evaluate_seeds

        return evaluate_seeds(exp, device, console)
    checkpoint = exp.train_dir / "model.pt"
    state = load_state(checkpoint)  # a missing checkpoint is a usage error, raised before anything is written
    write_resolved_recipe(recipe)
    return evaluate_checkpoint(exp, device, console, state)


def evaluate_checkpoint(exp: Experiment, device: torch.device, console: Console, state: dict | None = None):
    checkpoint = exp.train_dir / "model.pt"
    model = exp.build_model()
    model.load_state_dict(state if state is not None else load_state(checkpoint))
    model.to(device)
    eval_cfg = exp.recipe.config.eval
    metrics = evaluate_samples(exp, model, exp.split.test, device)
    eval_dir = exp.eval_dir
    write_json(eval_dir / "metrics.json", {"split": "test", "users": len(exp.split.test), "metrics": metrics})
    write_manifest(
        eval_dir,
        "eval",
        recipe_sections(exp.recipe, "eval"),
        inputs=[checkpoint],
        outputs=[eval_dir / "metrics.json"],
    )
    console.print(metrics_table(metrics, eval_cfg.ks, title=f"{exp.recipe.name}: test, full ranking over {exp.data.n_items:,} items"))
    return metrics


def evaluate_samples(exp: Experiment, model, samples: Samples, device: torch.device) -> dict[str, float]:
    cfg = exp.recipe.config.eval
    ranks = target_ranks(model, samples, exp.data, max(cfg.ks), cfg.batch_size, cfg.mask_history, device)
    return metrics_from_ranks(ranks, cfg.ks)
