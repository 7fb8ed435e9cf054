"""How much do two semantic stages agree? Mean overlap of their top-k neighbour tables (items and user units),
e.g. LLM summaries against passthrough texts on the same data:

    python scripts/neighbor_overlap.py A_SEMANTIC_DIR B_SEMANTIC_DIR --out FILE.json [--update docs/RESULTS.md]

Each directory is a run's semantic folder (its index/ holds item_neighbors.npy and user_neighbors.npy).
`--update` rewrites the `<!-- report: neighbor_overlap -->` block of that markdown file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from sracl_cli.artifacts import write_json, write_text
from sracl_cli.evaluation.results_report import update_block


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean share of each row's neighbours (0 = none, skipped) that both tables list."""
    shares = [len(set(x[x > 0]) & set(y[y > 0])) / max(len(set(x[x > 0])), 1) for x, y in zip(a, b)]
    return float(np.mean(shares))


def compare(a_dir: Path, b_dir: Path) -> dict:
    result = {"a": str(a_dir), "b": str(b_dir)}
    for table in ("item_neighbors", "user_neighbors"):
        a, b = np.load(a_dir / "index" / f"{table}.npy"), np.load(b_dir / "index" / f"{table}.npy")
        if table == "item_neighbors":
            a, b = a[1:], b[1:]  # row 0 is padding
        else:
            a, b = a + 1, b + 1  # unit ids start at 0; shift so that 0 can mean "no neighbour" as for items
        result[table] = {"rows": len(a), "k": int(a.shape[1]), "mean_overlap": overlap(a, b)}
    return result


def markdown(result: dict) -> str:
    lines = ["| table | rows | k | mean share of neighbours in both |", "|---|---:|---:|---:|"]
    for table in ("item_neighbors", "user_neighbors"):
        r = result[table]
        lines.append(f"| {table} | {r['rows']} | {r['k']} | {r['mean_overlap']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--update", type=Path)
    args = parser.parse_args()
    result = compare(args.a, args.b)
    write_json(args.out, result)
    print(json.dumps(result, indent=2))
    if args.update:
        write_text(args.update, update_block(args.update, "neighbor_overlap", markdown(result)))


if __name__ == "__main__":
    main()
