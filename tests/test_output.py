"""What sracl prints when its output is not a terminal: progress lines, the files each command wrote, and
how to read the test metrics at the end; and the CLI's own face (help order, --version, flags, plugins)."""

from __future__ import annotations

import io
import os
import re
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from helpers import QUICKSTART_DATA, run_cli, write_recipe
from sracl_cli import progress_lines
from sracl_cli.evaluation.metrics import metrics_from_ranks
from sracl_cli.evaluation.report import random_ranker, reading
from sracl_cli.progress_lines import ProgressLines
from sracl_cli.semantic.embedders.progress import EmbeddingProgress
from sracl_cli.training.progress import EpochProgress
from sracl_cli.written import reporting_written

REPO = Path(__file__).resolve().parents[1]


def piped() -> Console:
    return Console(file=io.StringIO(), width=80)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines(console: Console) -> list[str]:
    return console.file.getvalue().splitlines()


def test_progress_lines_every_tenth_with_rate_and_eta():
    out, clock = piped(), Clock()
    progress = ProgressLines(out, "embed items", 200, "texts", clock=clock)
    for _ in range(200):
        clock.now += 0.5
        progress.advance(1)
    printed = lines(out)
    assert len(printed) == 10
    assert printed[0] == "embed items: 20/200 texts (10%)  2.0 texts/s  10 s elapsed  ETA 1m30s"
    assert printed[-1] == "embed items: 200/200 texts (100%)  2.0 texts/s  1m40s elapsed  done"


def test_progress_lines_every_30_seconds_when_a_tenth_takes_longer():
    out, clock = piped(), Clock()
    progress = ProgressLines(out, "epoch 1", 1000, "batches", clock=clock)
    for _ in range(30):  # 30 batches at 4 s each: 3 % of the epoch in 2 minutes
        clock.now += 4.0
        progress.advance(1, rate="1,234 samples/s", details="loss 10.5000")
    printed = lines(out)
    assert [line.split(":")[1].split("(")[0].strip() for line in printed] == [
        "8/1,000 batches", "16/1,000 batches", "24/1,000 batches"
    ]  # after 32 s, 64 s, 96 s
    assert printed[0].endswith("1,234 samples/s  32 s elapsed  ETA 1h06m  loss 10.5000")


def test_the_last_line_is_printed_even_off_the_tenths():
    out, clock = piped(), Clock()
    progress = ProgressLines(out, "x", 95, "calls", clock=clock)
    for _ in range(95):
        clock.now += 0.01
        progress.advance(1)
    assert lines(out)[-1].startswith("x: 95/95 calls (100%)")


def test_a_step_longer_than_the_interval_still_prints_a_line(monkeypatch):
    monkeypatch.setattr(progress_lines, "EVERY_S", 0.06)  # the heartbeat thread looks every 0.01 s
    out, clock = piped(), Clock()
    with ProgressLines(out, "embed user units", 2000, "texts", clock=clock):
        clock.now = 45.0  # the first batch (the longest texts) is still running
        for _ in range(1000):
            if lines(out):
                break
            time.sleep(0.01)
    assert lines(out)[0] == "embed user units: 0/2,000 texts (0%)  0.0 texts/s  45 s elapsed  ETA -"


def test_epoch_and_embedding_progress_print_lines_when_piped():
    out = piped()
    with EpochProgress(out, "epoch 3", 40) as progress:
        for _ in range(40):
            progress.advance("loss 9.8765", 1500.0)
    printed = lines(out)
    assert len(printed) == 10 and printed[-1].startswith("epoch 3: 40/40 batches (100%)  1,500 samples/s")
    assert printed[-1].endswith("done  loss 9.8765")

    out = piped()
    with EmbeddingProgress(out) as progress:
        progress.task("embed items", 1000)
        for _ in range(10):
            progress(100)
        progress.task("embed user units", 30)
        progress(30)
    printed = lines(out)
    assert [line.split("  ")[0] for line in printed] == [
        *(f"embed items: {n:,}/1,000 texts ({n // 10}%)" for n in range(100, 1001, 100)),
        "embed user units: 30/30 texts (100%)",
    ]


def test_a_silent_terminal_less_run_prints_nothing_when_disabled():
    out = piped()
    with EpochProgress(out, "epoch 1", 10, enabled=False) as progress:
        for _ in range(10):
            progress.advance("", 1.0)
    assert lines(out) == []


def test_the_random_ranker_is_the_mean_over_every_rank():
    for n_items, k in ((50, 5), (12_101, 10), (7, 10)):
        every_rank = metrics_from_ranks(np.arange(n_items), [k])
        chance = random_ranker(n_items, k)
        for name in ("hr", "ndcg", "mrr"):
            assert chance[name] == pytest.approx(every_rank[f"{name}@{k}"], rel=1e-12)


def test_reading_compares_with_chance():
    text = reading({"hr@10": 0.05, "ndcg@10": 0.025}, [5, 10, 20], n_items=12_101, users=2_000)
    assert "HR@10 ≈ 10/12,101 = 0.0008" in text and "this run has HR@10 = 0.0500 (61x chance)" in text
    assert "1/2,000 = 0.0005" in text
    text = reading({"hr@5": 0.0, "ndcg@5": 0.0}, [5], n_items=50, users=8, over_seeds=3)
    assert "the mean over 3 seeds has HR@5 = 0.0000 and" in text and "can be chance" in text


def test_written_files_are_named_by_folder_in_the_order_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "runs" / "x"
    (run / "index" / "chroma" / "uuid").mkdir(parents=True)
    (run / "old.txt").write_text("kept")
    out = piped()
    with reporting_written(out, [run, tmp_path / "runs" / "cache.sqlite"]):
        for name in ("index/item_neighbors.npy", "index/chroma/chroma.sqlite3", "index/chroma/uuid/data.bin",
                     "index/manifest.json", ".sracl.lock", "recipe.resolved.toml"):
            (run / name).write_text(name)
    assert lines(out) == [
        f"wrote {Path('runs/x/index')}{os.sep}: item_neighbors.npy, chroma/, manifest.json",
        f"wrote {Path('runs/x')}{os.sep}: recipe.resolved.toml",
    ]


def test_help_lists_the_pipeline_first_and_flags_as_flags():
    result = run_cli("--help")
    listed = re.findall(r"^│ (\w+) ", result.stdout, flags=re.MULTILINE)
    assert listed[:6] == ["validate", "embed", "index", "train", "eval", "run"]
    assert sorted(listed[6:]) == ["compare", "data", "export", "page", "plugins", "recommend", "report"]
    for command in ("train", "run"):
        help_text = run_cli(command, "--help").stdout
        assert re.search(r"--resume\s+continue", help_text), help_text


def test_version_comes_from_the_installed_metadata():
    from sracl_cli import __version__

    declared = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    assert __version__ == version("sracl") == declared
    assert run_cli("--version").stdout == f"sracl {declared}\n"


def test_piped_plugin_table_keeps_each_plugin_on_one_line():
    printed = run_cli("plugins").stdout
    assert re.search(r"│ sracl\.datasets +│ recbole +│ sracl_cli\.data\.loaders\.recbole:SPEC +│", printed)


@pytest.mark.slow
def test_a_piped_train_prints_progress_and_ends_naming_its_metrics(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recipe = write_recipe(tmp_path, f'name = "piped"\n{QUICKSTART_DATA}\n[output]\ndir = "runs/piped"\n')
    fast = ["--set", "data.min_core=4", "--set", "train.epochs=1", "--set", "train.threads=1"]
    result = run_cli("train", recipe, *fast)
    assert result.exit_code == 0, result.stderr
    printed = result.stdout.splitlines()
    progress = [line for line in printed if line.startswith("epoch 1: ")]
    assert len(progress) == 8 and all("samples/s" in line and "elapsed" in line for line in progress)  # 8 batches
    assert progress[-1].startswith("epoch 1: ") and "(100%)" in progress[-1]
    assert f"wrote {Path('runs/piped/train')}{os.sep}: model.pt, history.json, checkpoint.pt, manifest.json" in printed
    assert f"wrote {Path('runs/piped/eval')}{os.sep}: metrics.json, manifest.json" in printed
    assert any(line.startswith("Reading the metrics: ") and "uniformly random ranker" in line for line in printed)
    assert printed[-1] == f"test metrics: {Path('runs/piped/eval/metrics.json')}"
