"""k-core on a real cut of Beauty (the first 3,000 interactions: 334 users, 2,273 items)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from data_helpers import BEAUTY, BEAUTY_TITLES, head_lines, load_with, write

from sracl_cli.data.kcore import kcore


@pytest.fixture(scope="module")
def cut(shared_data, tmp_path_factory):
    path = write(tmp_path_factory.mktemp("kcore") / "cut.txt", head_lines(shared_data / BEAUTY, 3000))
    data = load_with("sracl-txt", path=path, items=shared_data / BEAUTY_TITLES, text_fields=["title"])
    assert (data.n_users, data.n_items, data.n_interactions) == (334, 2273, 3000)
    return data


def reference_kcore(pairs: list[tuple[str, str]], k: int) -> list[tuple[str, str]]:
    """The textbook loop on (user id, item id) pairs."""
    while True:
        users, items = Counter(u for u, _ in pairs), Counter(i for _, i in pairs)
        kept = [(u, i) for u, i in pairs if users[u] >= k and items[i] >= k]
        if len(kept) == len(pairs):
            return kept
        pairs = kept


def pairs_of(data) -> list[tuple[str, str]]:
    return [(data.user_ids[u], data.item_ids[i]) for u in range(data.n_users) for i in data.sequence(u).tolist()]


@pytest.mark.parametrize(("k", "counts"), [(2, (230, 434, 1086)), (3, (29, 53, 190)), (4, (0, 0, 0))])
def test_counts_match_the_reference(cut, k, counts):
    core = kcore(cut, k)
    assert (core.n_users, core.n_items, core.n_interactions) == counts
    assert pairs_of(core) == reference_kcore(pairs_of(cut), k)
    if core.n_interactions:
        assert core.lengths().min() >= k and np.bincount(core.items)[1:].min() >= k


def test_ids_compacted_in_order_and_text_carried(cut):
    core = kcore(cut, 2)
    assert core.item_ids[:5] == ["[PAD]", "8", "9", "13", "14"]
    assert core.user_ids[:5] == ["2", "3", "4", "5", "7"]
    assert [int(i) for i in core.item_ids[1:]] == sorted(int(i) for i in core.item_ids[1:])
    assert core.items.max() == core.n_items and core.items.min() == 1
    titles = cut.item_text["title"]
    assert core.item_text["title"] == ["", *(titles[int(i)] for i in core.item_ids[1:])]
    assert core.name == cut.name


@pytest.mark.parametrize("k", [0, 1])
def test_k_up_to_one_is_a_no_op(cut, k):
    assert kcore(cut, k) is cut


def test_full_beauty_is_already_5_core(shared_data):
    beauty = load_with("sracl-txt", path=shared_data / BEAUTY)
    assert kcore(beauty, 5).n_interactions == 198502
    assert (kcore(beauty, 6).n_users, kcore(beauty, 6).n_items) == (10293, 5869)
