"""What each stage records about its inputs, and whether a stage's outputs are still current.

A stage is current when its manifest holds the same recipe sections as the recipe now resolves to, its
inputs still hash to what was recorded (and are the inputs the stage reads now), and its outputs are still
the files it wrote. `sracl run` skips current stages.
"""

from __future__ import annotations

import json
from pathlib import Path

from sracl_cli.artifacts import sha256_file

SECTIONS = {
    "embed": ("data", "llm", "prompts", "embedding"),
    "index": ("index",),
    "train": ("data", "model", "train", "sracl", "baselines"),
    "eval": ("eval",),
}


def recipe_sections(recipe, stage: str) -> dict:
    resolved = recipe.to_dict()
    return {name: resolved[name] for name in SECTIONS[stage]}


def is_current(stage_dir: Path, recipe, stage: str, inputs: list[Path]) -> bool:
    manifest_path = stage_dir / "manifest.json"
    if not manifest_path.is_file():
        return False
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("recipe") != recipe_sections(recipe, stage):
        return False
    if sorted(manifest.get("inputs", {})) != sorted(str(p) for p in inputs):
        return False
    recorded = {**{Path(p): h for p, h in manifest["inputs"].items()},
                **{stage_dir / n: h for n, h in manifest.get("outputs", {}).items()}}
    return all(path.is_file() and sha256_file(path) == digest for path, digest in recorded.items())
