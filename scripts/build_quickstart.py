"""Rebuild the quickstart sample shipped in sracl_cli/packaged/quickstart/ from the real Amazon Beauty data.

2,000 users drawn with a fixed seed among users with >= 5 interactions, full sequences kept, users re-indexed
1..2000 and items 1..N by first appearance. Deterministic: the same input gives the same bytes.

    python scripts/build_quickstart.py [DATA_DIR] [--out FOLDER]

DATA_DIR defaults to $SRACL_DATA, else ../shared/data next to the repository.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from sracl_cli.data.dataset import SequenceData
from sracl_cli.data.loaders import sracl_txt
from sracl_cli.data.split import leave_one_out

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "sracl_cli" / "packaged" / "quickstart"
BEAUTY = "sracl_official/Beauty/Beauty.txt"
TITLES = "amazon_beauty_sracl_titles/derived/item_titles.tsv"
N_USERS, MIN_LENGTH, SEED, MAX_LEN = 2000, 5, 2024, 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    build(args.data_dir, args.out)


def default_data_dir() -> Path:
    return Path(os.environ.get("SRACL_DATA") or REPO.parent / "shared" / "data")


def build(data_dir: Path, out: Path) -> None:
    beauty = load_beauty(data_dir)
    rows = sample_users(beauty)
    sequences = [beauty.sequence(row) for row in rows]
    old_items = first_appearance(np.concatenate(sequences))
    new_id = {old: new for new, old in enumerate(old_items.tolist(), 1)}
    out.mkdir(parents=True, exist_ok=True)
    write_interactions(out / "beauty_sample.txt", [[new_id[i] for i in seq.tolist()] for seq in sequences])
    write_items(out / "items.tsv", beauty, old_items.tolist())
    write_source(out / "SOURCE.md", sample_counts(out))


def load_beauty(data_dir: Path) -> SequenceData:
    config = sracl_txt.SRACLTxtConfig.model_validate(
        {"path": data_dir / BEAUTY, "items": data_dir / TITLES, "text_fields": ["asin", "title"]}
    )
    return sracl_txt.load(config, "beauty")


def sample_users(data: SequenceData) -> np.ndarray:
    eligible = np.flatnonzero(data.lengths() >= MIN_LENGTH)
    rng = np.random.default_rng(SEED)
    return np.sort(rng.choice(eligible, size=N_USERS, replace=False))


def first_appearance(items: np.ndarray) -> np.ndarray:
    unique, first_index = np.unique(items, return_index=True)
    return unique[np.argsort(first_index)]


def write_interactions(file: Path, sequences: list[list[int]]) -> None:
    lines = [f"{user} {item}\n" for user, items in enumerate(sequences, 1) for item in items]
    file.write_text("".join(lines), encoding="utf-8", newline="\n")


def write_items(file: Path, beauty: SequenceData, old_items: list[int]) -> None:
    asin, title = beauty.item_text["asin"], beauty.item_text["title"]
    lines = ["item_id\tasin\ttitle\n"]
    lines += [f"{new}\t{asin[old]}\t{title[old]}\n" for new, old in enumerate(old_items, 1)]
    file.write_text("".join(lines), encoding="utf-8", newline="\n")


def sample_counts(out: Path) -> dict[str, int]:
    config = sracl_txt.SRACLTxtConfig.model_validate({"path": out / "beauty_sample.txt", "items": out / "items.tsv"})
    sample = sracl_txt.load(config, "quickstart")
    return {
        "users": sample.n_users,
        "items": sample.n_items,
        "interactions": sample.n_interactions,
        "training samples": len(leave_one_out(sample, MAX_LEN).train),
        "items without title": sum(1 for text in sample.item_text["title"][1:] if not text),
    }


def write_source(file: Path, counts: dict[str, int]) -> None:
    stats = "\n".join(f"| {name} | {value:,} |" for name, value in counts.items())
    file.write_text(SOURCE_TEMPLATE.format(stats=stats), encoding="utf-8", newline="\n")


SOURCE_TEMPLATE = f"""\
# Quickstart sample: 2,000 users of Amazon Beauty (2014, 5-core) with item titles

A small real subset for `recipes/quickstart.toml`, so that sracl runs without downloading anything.

## Origin
- Interactions: SRA-CL's `data/Beauty/Beauty.txt` (ziqiangcui/SRA-CL @ 301353d9f72e1ec232e64af28a68ac289d86daae).
  License: none stated in that repository; underlying data: Amazon review data 2014 (He & McAuley), research use.
- Titles: aligned to the same Beauty ids from agiresearch/OpenP5 @ 166442481c7ae651b75cc08c3e9c8c311a13974f
  (`data/Beauty/user_sequence.txt`, Apache-2.0) and dh-r/LLM-Sequential-Recommendation @
  6464b39064f369b251580c63edbf635de0934101 (`beauty/products_lookup.csv`, BSD-3-Clause, Delivery Hero SE).

## Construction
{N_USERS:,} users drawn with `numpy.random.default_rng({SEED})` among the users with >= {MIN_LENGTH} interactions
(sorted in their original order), full chronological sequences kept; users re-indexed 1..{N_USERS}, items 1..N by
first appearance. Rebuild (same bytes every time):

    python scripts/build_quickstart.py [DATA_DIR]   # DATA_DIR: $SRACL_DATA, else ../shared/data

## Files
- `beauty_sample.txt`: `user item` per line (sracl-txt format).
- `items.tsv`: `item_id<TAB>asin<TAB>title` for items 1..N (title empty where Amazon's metadata has none).

## Counts (training samples: leave-one-out sliding windows, max_len {MAX_LEN})
| | |
|---|---|
{{stats}}
"""


if __name__ == "__main__":
    main()
