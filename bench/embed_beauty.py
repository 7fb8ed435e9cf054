"""Embed full Beauty with MiniLM, passthrough texts (titles; units = "; "-joined titles), by hand:

    SRACL_DATA=/work/shared/data .venv/bin/python bench/embed_beauty.py OUT_DIR [--units-sample N]

Writes OUT_DIR/embed/{items.npy,users.npy,units.npz} (the index stage's inputs) and prints timings.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from rich.console import Console

from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.embedders.progress import EmbeddingProgress
from sracl_cli.semantic.embedders.sbert import build
from sracl_cli.semantic.units import user_units
from sracl_cli.semantic.units_io import save_units


def unit_texts(units, data, titles: list[str], rows: np.ndarray) -> list[str]:
    return ["; ".join(titles[i] for i in units.items(u, data)) for u in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--units-sample", type=int, default=0, help="embed only this many random units (timing)")
    parser.add_argument("--recipe", default="recipes/beauty.toml")
    args = parser.parse_args()
    console = Console()
    recipe = load_recipe(args.recipe)
    data = load_dataset(recipe)
    units = user_units(data, "prefix", recipe.config.data.max_len)
    titles = data.item_text["title"]
    section = recipe.config.embedding
    embed_dir = args.out / "embed"
    embed_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddingProgress(console) as progress:
        started = time.perf_counter()
        embedder = build(section, progress)
        console.print(f"model load {time.perf_counter() - started:.1f}s")
        progress.task("items", data.n_items)
        started = time.perf_counter()
        items = embedder.embed(titles[1:], section.batch_size)
        console.print(f"items: {data.n_items} in {time.perf_counter() - started:.1f}s")
        np.save(embed_dir / "items.npy", np.vstack([np.zeros((1, items.shape[1]), np.float32), items]))
        rows = np.arange(len(units))
        if args.units_sample:
            rows = np.sort(np.random.default_rng(0).choice(len(units), args.units_sample, replace=False))
        texts = unit_texts(units, data, titles, rows)
        progress.task("units", len(texts))
        started = time.perf_counter()
        vectors = embedder.embed(texts, section.batch_size)
        seconds = time.perf_counter() - started
        console.print(f"units: {len(texts)} in {seconds:.1f}s ({len(texts) / seconds:.1f}/s)")
    if args.units_sample:
        np.savez(embed_dir / "units_sample.npz", rows=rows, vectors=vectors, seconds=seconds)
    else:
        np.save(embed_dir / "users.npy", vectors)
        save_units(embed_dir / "units.npz", units)


if __name__ == "__main__":
    main()
