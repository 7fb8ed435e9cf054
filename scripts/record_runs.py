"""Copy the record of finished runs into the repository, without weights or embeddings, so that
docs/RESULTS.md's tables can be regenerated (`sracl report`) and checked from a clean clone:

    python scripts/record_runs.py runs/repro docs/results

Copies every summary.json, metrics.json, history.json, manifest.json, recipe.resolved.toml and length_groups.json
(`sracl page RUN`'s test metrics by sequence length, in RUN/page/) under SOURCE to the same relative place under
DEST; checkpoints, embeddings, neighbour tables, caches and the rest of the page stay behind.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

RECORD_FILES = {"summary.json", "metrics.json", "history.json", "manifest.json", "recipe.resolved.toml",
                "length_groups.json"}


def record_runs(source: Path, dest: Path) -> list[Path]:
    copied = []
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.name in RECORD_FILES:
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied.append(target)
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    args = parser.parse_args()
    copied = record_runs(args.source, args.dest)
    print(f"copied {len(copied)} record files from {args.source} to {args.dest}")


if __name__ == "__main__":
    main()
