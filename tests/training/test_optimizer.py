"""The [optimizer] section: Adam / AdamW with their settings, warm-up + cosine schedule, gradient clipping."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from sracl_cli.recipe import OptimizerSection
from sracl_cli.training.optimizer import build_optimizer, build_schedule


def _parameters():
    return [torch.nn.Parameter(torch.ones(3))]


def test_adam_is_the_default_with_the_recipes_settings():
    optimizer = build_optimizer(OptimizerSection(lr=0.01, weight_decay=0.1, betas=(0.8, 0.9)), _parameters())
    assert type(optimizer) is torch.optim.Adam
    group = optimizer.param_groups[0]
    assert (group["lr"], group["weight_decay"], group["betas"], group["eps"]) == (0.01, 0.1, (0.8, 0.9), 1e-8)


def test_adamw_decouples_weight_decay():
    optimizer = build_optimizer(OptimizerSection(name="adamw", weight_decay=0.5), _parameters())
    assert type(optimizer) is torch.optim.AdamW


def test_a_flat_schedule_is_no_scheduler():
    optimizer = build_optimizer(OptimizerSection(), _parameters())
    assert build_schedule(OptimizerSection(), optimizer, total_steps=100) is None


def test_linear_warmup_then_cosine_to_zero():
    section = OptimizerSection(lr=1.0, schedule="cosine", warmup_steps=4)
    optimizer = build_optimizer(section, _parameters())
    schedule = build_schedule(section, optimizer, total_steps=12)
    rates = []
    for _ in range(12):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert rates[4] == pytest.approx(1.0)
    assert rates[8] == pytest.approx(0.5 * (1 + math.cos(math.pi * 4 / 8)))
    assert all(a >= b for a, b in zip(rates[4:], rates[5:]))  # cosine only decays


@pytest.mark.slow
def test_adamw_with_warmup_and_clipping_trains_and_resumes_exactly(tmp_path):
    # the warm-up (8 steps) spans the resume point (an epoch of this subset is 5 steps): the schedule's state
    # must come back from the checkpoint. (A cosine schedule is fixed by train.epochs, so it is not resumed
    # under a different epoch cap here.)
    out = tmp_path / "run"
    recipe = write_recipe(tmp_path, QUICKSTART_DATA + """
min_core = 4
[optimizer]
name = "adamw"
weight_decay = 0.01
warmup_steps = 8
clip_norm = 1.0
[train]
epochs = 2
threads = 1
""")
    args = ["--set", f'output.dir="{out}"']
    result = run_cli("train", recipe, *args, "--set", "train.epochs=1")
    assert result.exit_code == 0, result.stderr
    assert run_cli("train", recipe, *args, "--resume").exit_code == 0
    resumed = json.loads(Path(out / "train" / "history.json").read_text())
    straight = tmp_path / "straight"
    assert run_cli("train", recipe, "--set", f'output.dir="{straight}"').exit_code == 0
    uninterrupted = json.loads(Path(straight / "train" / "history.json").read_text())
    assert [e["loss"] for e in resumed] == [e["loss"] for e in uninterrupted]
    assert all(math.isfinite(e["loss"]) for e in resumed)
