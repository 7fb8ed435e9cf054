"""`sracl embed`: prompts → LLM (cached) → texts → embeddings for every item and every user unit.

Writes `<run>/embed/items.npy` [n_items + 1, d] (row 0 = padding, zeros), `users.npy` [n_units, d]
(float32, L2-normalised), `units.npz` (what each unit covers), `texts.jsonl` (the embedded texts, for
inspection) and `manifest.json`. Embedding goes in chunks kept as they finish (`embedded_chunks.py`): a killed
run resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import numpy as np
from rich.console import Console
from rich.table import Table

from sracl_cli import kinds, layout, registry
from sracl_cli.artifacts import write_npy, write_text
from sracl_cli.data.load import load_dataset
from sracl_cli.data.units_io import save_units
from sracl_cli.manifests import record, write_resolved_recipe
from sracl_cli.recipe import Recipe
from sracl_cli.semantic.embedded_chunks import KEPT_FILE, KeptChunks, embed_in_chunks
from sracl_cli.semantic.embedders.progress import EmbeddingProgress
from sracl_cli.semantic.generate import SemanticTexts, generate_texts
from sracl_cli.semantic.preflight import check_embed
from sracl_cli.semantic.token_window import count_too_long, fit_user_texts
from sracl_cli.stages import EMBED, stage_inputs


def run_embed(recipe: Recipe, console: Console, dry_run: bool = False) -> dict:
    data = load_dataset(recipe)
    check_embed(recipe, data)
    if dry_run:
        from sracl_cli.semantic.dry_run import dry_run_report

        return dry_run_report(recipe, data, console)
    embedder_spec = registry.load(kinds.EMBEDDER, recipe.config.embedding.embedder)
    write_resolved_recipe(recipe)
    texts = generate_texts(recipe, data, console)
    started = time.perf_counter()
    batch_size = recipe.config.embedding.batch_size
    with EmbeddingProgress(console) as progress, KeptChunks(*_kept_where(recipe)) as kept:
        embedder = embedder_spec.build(recipe.plugins["embedding"], progress)
        texts = _fit_to_window(texts, embedder, recipe.config.embedding.user_text_window, console)
        items, users = _embed_all(embedder, texts, batch_size, progress, kept)
    if kept.recalled:
        console.print(f"resumed: {kept.recalled:,} texts read back from the chunks an interrupted run kept",
                      highlight=False)
    seconds = time.perf_counter() - started
    facts = _write_outputs(recipe, data, texts, items, users, embedder.name, seconds)
    kept.remove()
    console.print(_summary(facts))
    return facts


def _fit_to_window(texts: SemanticTexts, embedder, keep: str, console: Console) -> SemanticTexts:
    """User texts cut to the encoder's window as `embedding.user_text_window` says; counts of long texts said."""
    fitted = fit_user_texts(texts.unit_texts, embedder, keep)
    long_items = count_too_long(texts.item_texts[1:], embedder)
    window = getattr(embedder, "max_tokens", None)
    if long_items:
        console.print(f"note: {long_items:,} of {len(texts.item_texts) - 1:,} item texts exceed the encoder's "
                      f"{window} tokens; the encoder keeps their start", highlight=False)
    if fitted.too_long:
        kept = "their most recent titles" if keep == "recent" else (
            "their start (the oldest titles; embedding.user_text_window = \"recent\" keeps the newest)")
        console.print(f"note: {fitted.too_long:,} of {len(texts.unit_texts):,} user texts exceed the encoder's "
                      f"{window} tokens; kept {kept}", highlight=False)
    stats = {**texts.stats, "item_texts_too_long": long_items, "user_texts_too_long": fitted.too_long}
    return replace(texts, unit_texts=fitted.texts, stats=stats)


def _kept_where(recipe: Recipe) -> tuple:
    """The kept-chunks file and the identity its chunks are keyed by: what decides a text's vector."""
    embedding = recipe.config.embedding
    identity = {"embedder": embedding.embedder, "keys": recipe.plugins["embedding"].model_dump(mode="json"),
                "batch_size": embedding.batch_size}
    return EMBED.folder(recipe) / KEPT_FILE, identity


def _embed_all(embedder, texts: SemanticTexts, batch_size: int, progress,
               kept: KeptChunks) -> tuple[np.ndarray, np.ndarray]:
    progress.task("embed items", len(texts.item_texts) - 1)
    item_vectors = embed_in_chunks(embedder, texts.item_texts[1:], batch_size, kept, progress)
    items = np.vstack([np.zeros((1, item_vectors.shape[1]), dtype=np.float32), item_vectors])
    progress.task("embed user units", len(texts.unit_texts))
    users = embed_in_chunks(embedder, texts.unit_texts, batch_size, kept, progress)
    return items, users


def _write_outputs(recipe: Recipe, data, texts: SemanticTexts, items, users, model_name: str, seconds: float) -> dict:
    embed_dir = EMBED.folder(recipe)
    write_npy(embed_dir / layout.ITEM_EMBEDDINGS, items)
    write_npy(embed_dir / layout.UNIT_EMBEDDINGS, users)
    save_units(embed_dir / layout.UNITS, texts.units)
    write_text(embed_dir / layout.TEXTS, _texts_jsonl(texts))
    facts = {
        "model": model_name,
        "dim": int(items.shape[1]),
        "text_source": recipe.config.llm.provider,
        "items": data.n_items,
        "user_units": len(texts.units),
        "user_unit": texts.units.mode,
        "llm": texts.stats,
        "embed_seconds": round(seconds, 2),
    }
    record(embed_dir, recipe, EMBED.name, stage_inputs(EMBED, recipe), **facts)
    return facts


def _texts_jsonl(texts: SemanticTexts) -> str:
    lines = [json.dumps({"item": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts.item_texts) if i]
    lines += [json.dumps({"unit": u, "text": t}, ensure_ascii=False) for u, t in enumerate(texts.unit_texts)]
    return "\n".join(lines) + "\n"


def _summary(facts: dict) -> Table:
    table = Table(title="sracl embed")
    table.add_column("")
    table.add_column("value", justify="right")
    for label, value in (
        ("text source", facts["text_source"]),
        ("embedder", facts["model"]),
        ("dimension", facts["dim"]),
        ("items", f"{facts['items']:,}"),
        (f"user units ({facts['user_unit']})", f"{facts['user_units']:,}"),
        ("embedding time", f"{facts['embed_seconds']:.1f} s"),
    ):
        table.add_row(label, str(value))
    return table
