"""Every bench script runs with `--quick` from the repository, prints its table and writes its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script, title, check", [
    ("train_epoch.py", "timed batches extrapolated", lambda r: r["ratios"]["pipeline: official / sracl live"] > 0),
    ("neighbors.py", "All-pairs top-10", lambda r: {run["method"] for run in r["runs"]} >= {"exact", "ivf nprobe 32"}
     and all(run["recall_at_10"] > 0.9 for run in r["runs"])),
    ("eval.py", "full ranking", lambda r: r["sracl"]["metrics"] == pytest.approx(r["official shape"]["metrics"])),
    ("llm_stage.py", "litellm provider", lambda r: r["cache"]["cached_calls"] == 0 and r["cache"]["cold_calls"] > 0
     and all(run["ok"] == run["calls"] for run in r["runs"])),
    ("prompts.py", "prompt building and dry run", lambda r: r["steps"]["build_prompts"]["item_prompts"] == r["items"]
     and r["steps"]["dry_run_report"]["input_tokens"] > 0),
    ("compile_step.py", "torch.compile vs eager", lambda r: len(r["variants"]) == 5
     and all(v["seconds_per_batch"] > 0 and v["batches_per_epoch"] > 0 for v in r["variants"].values())),
])
def test_bench_script_runs_quick(script, title, check, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, str(BENCH / script), "--quick", "--results", str(tmp_path)],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert title in result.stdout
    written = json.loads((tmp_path / f"{script[:-3]}_quick.json").read_text())
    assert written["machine"]["cpus"] and written["command"].endswith("--quick --results " + str(tmp_path))
    assert check(written)
