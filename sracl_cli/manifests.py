"""What each stage records about its inputs, and whether a stage's outputs are still current.

A stage is current when its manifest holds the same recipe sections as the recipe now resolves to, its
inputs still hash to what was recorded (and are the inputs the stage reads now), and its outputs are still
the files it wrote. `sracl run` skips current stages. Which sections and files count: `stages.STAGES`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sracl_cli import layout
from sracl_cli.artifacts import sha256_file, write_manifest
from sracl_cli.stages import STAGES

if TYPE_CHECKING:
    from sracl_cli.recipe import Recipe


def recipe_sections(recipe: Recipe, stage: str) -> dict[str, Any]:
    resolved = recipe.to_dict()
    return {name: resolved[name] for name in STAGES[stage].sections}


def record(stage_dir: Path, recipe: Recipe, stage: str, inputs: list[Path], **facts: Any) -> Path:
    """Write the stage's manifest: its recipe sections, its inputs' hashes and its outputs' hashes."""
    outputs = [stage_dir / name for name in STAGES[stage].outputs]
    return write_manifest(stage_dir, stage, recipe_sections(recipe, stage), inputs, outputs, **facts)


def recorded_sections(stage_dir: Path) -> dict[str, Any] | None:
    """The recipe sections a stage's manifest recorded; None without a manifest."""
    manifest_path = stage_dir / layout.MANIFEST
    if not manifest_path.is_file():
        return None
    return json.loads(manifest_path.read_text(encoding="utf-8")).get("recipe")


def is_current(stage_dir: Path, recipe: Recipe, stage: str, inputs: list[Path]) -> bool:
    manifest_path = stage_dir / layout.MANIFEST
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


def write_resolved_recipe(recipe: Recipe, folder: Path | None = None) -> None:
    """`recipe.resolved.toml` in `folder` (default the run directory; a seed run writes its own)."""
    from sracl_cli.artifacts import write_text

    write_text((folder or recipe.run_dir) / layout.RESOLVED_RECIPE, recipe.to_toml())
