"""Embedding throughput: the packaged MiniLM in one process vs sentence-transformers' multi-process pool
(`embedding.processes = 2`, one torch thread per worker), on the quickstart's user-unit texts as `sracl embed`
embeds them (passthrough: each unit's titles in order), longest first, batch 256. Each configuration
embeds the same texts once after a warm-up batch (the pool's start-up is timed apart). Run by hand
(results in bench/results/embed_pool.json):

    .venv/bin/python bench/embed_pool.py [--units 3000] [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from common import QUICK_OVERRIDES, QUICKSTART, common_arguments, make_table, save_results, timed
from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe
from sracl_cli.semantic.embedders.sbert import SentenceTransformersConfig, build
from sracl_cli.semantic.prompts import build_prompts

BATCH = 256


def unit_texts(quick: bool, n: int) -> list[str]:
    recipe = load_recipe(QUICKSTART, QUICK_OVERRIDES if quick else [])
    prompts = build_prompts(recipe, load_dataset(recipe))
    return [prompt.messages[-1]["content"] for prompt in prompts.users][:n]


def run(processes: int, texts: list[str]) -> tuple[dict, np.ndarray]:
    embedder = build(SentenceTransformersConfig(processes=processes), None)
    started = time.perf_counter()
    embedder.embed(texts[: BATCH * processes], BATCH)  # warm-up; starts the pool
    warm_up = time.perf_counter() - started
    vectors, seconds = timed(lambda: embedder.embed(texts, BATCH))
    return {"processes": processes, "texts": len(texts), "seconds": seconds, "texts_per_s": len(texts) / seconds,
            "warm_up_s": warm_up}, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000, help="user-unit texts to embed (default 3000)")
    common_arguments(parser)
    args = parser.parse_args()
    texts = unit_texts(args.quick, 300 if args.quick else args.units)
    one, one_vectors = run(1, texts)
    two, two_vectors = run(2, texts)
    two["max_abs_difference_to_1"] = float(np.abs(two_vectors - one_vectors).max())
    rows = [[str(r["processes"]), f"{r['texts']:,}", f"{r['seconds']:.1f}", f"{r['texts_per_s']:.1f}",
             f"{r['warm_up_s']:.1f}"] for r in (one, two)]
    table = make_table("MiniLM on quickstart unit texts: 1 process vs the 2-process pool",
                       ["processes", "texts", "seconds", "texts/s", "warm-up s"], rows)
    save_results("embed_pool", args, table, {"batch": BATCH, "runs": [one, two],
                                             "speedup_2_vs_1": one["seconds"] / two["seconds"]})


if __name__ == "__main__":
    main()
