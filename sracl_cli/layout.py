"""Where every artifact lives: the one place that names run-directory folders and files.

A run directory holds `recipe.resolved.toml`, `train/` and `eval/` (or `seeds/seed-<n>/{train,eval}/` and
`summary.json`); the semantic folder (the run directory unless `output.semantic_dir` shares one) holds
`embed/` and `index/`. Every stage folder has a `manifest.json`.
"""

from __future__ import annotations

from pathlib import Path

RESOLVED_RECIPE = "recipe.resolved.toml"
MANIFEST = "manifest.json"
SUMMARY = "summary.json"
SEEDS_DIR = "seeds"

# embed/
ITEM_EMBEDDINGS = "items.npy"
UNIT_EMBEDDINGS = "users.npy"
UNITS = "units.npz"
TEXTS = "texts.jsonl"
# index/
ITEM_NEIGHBORS = "item_neighbors.npy"
USER_NEIGHBORS = "user_neighbors.npy"
# train/
MODEL = "model.pt"
CHECKPOINT = "checkpoint.pt"
HISTORY = "history.json"
# eval/
METRICS = "metrics.json"
# page/ (`sracl page`): index.html and its images
PAGE = "page"


def seed_dir(run_dir: Path, seed: int) -> Path:
    return run_dir / SEEDS_DIR / f"seed-{seed}"
