"""bench/recommend.py runs with `--quick` (the bundled sample's 4-core, trained into a temporary folder),
prints its table and writes its JSON, as every bench script does (tests/test_bench.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "recommend.py"


@pytest.mark.slow
def test_bench_recommend_runs_quick(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, str(BENCH), "--quick", "--results", str(tmp_path), "--repeats", "1"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "top-20 for all 296 users" in result.stdout
    written = json.loads((tmp_path / "recommend_quick.json").read_text())
    assert written["users"] == 296 and written["items"] == 423 and written["k"] == 20
    assert all(seconds > 0 for seconds in written["seconds"].values()) and len(written["seconds"]) == 4
