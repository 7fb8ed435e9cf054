"""What every bench script shares: the repository root, `--quick`, a semantic stage to time against,
peak-memory reading, and writing results (a rich table on the console, JSON under bench/results/)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
QUICKSTART = REPO / "recipes" / "quickstart.toml"
QUICK_OVERRIDES = ["data.min_core=4"]  # 423 items, 296 users of the bundled sample: a run of seconds

console = Console()


def machine() -> dict:
    import torch

    return {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average_1m_at_end": os.getloadavg()[0]}


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


class PeakMemory:
    """Peak resident memory of this process above its size at `start()` (Linux: VmHWM, reset via clear_refs).

    getrusage's ru_maxrss survives exec, so a spawned child would report its parent's peak; VmHWM does not."""

    def start(self) -> None:
        Path("/proc/self/clear_refs").write_text("5")
        self._base = _status_mib("VmRSS")

    def peak_mib(self) -> float:
        return _status_mib("VmHWM") - self._base


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def semantic_recipe(recipe_path: Path, overrides: list[str], scratch: Path | None):
    """The recipe, with embed/ and index/ made by the real stages when its semantic_dir has none yet."""
    from sracl_cli.recipe import load_recipe
    from sracl_cli.retrieval.stage import run_index
    from sracl_cli.semantic.stage import run_embed

    if scratch is not None:
        overrides = overrides + [f'output.dir="{scratch / "run"}"', f'output.semantic_dir="{scratch / "semantic"}"']
    recipe = load_recipe(recipe_path, overrides)
    if not (recipe.semantic_dir / "index" / "user_neighbors.npy").is_file():
        console.print(f"no semantic stage in {recipe.semantic_dir}: running sracl embed + index first")
        run_embed(recipe, console)
        run_index(recipe, console)
    return recipe


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a short run on the bundled sample (the CI smoke test)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the JSON (default bench/results)")


def save_results(name: str, args: argparse.Namespace, table: Table | None, results: dict) -> Path:
    """Print the table (when given) and write `<results>/<name>[_quick].json` with the command and the machine."""
    if table is not None:
        console.print(table)
    out = args.results / f"{name}{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"command": " ".join(["python", *sys.argv]), "machine": machine(), **results}
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if table is not None:
        console.print(f"wrote {out}")
    return out


def make_table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column == columns[0] else "right")
    for row in rows:
        table.add_row(*row)
    return table
