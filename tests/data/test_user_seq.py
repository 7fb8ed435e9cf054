"""user-seq on a cut of OpenP5's Beauty user_sequence.txt (string asins) and on integer ids."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import BEAUTY, BEAUTY_TITLES, OPENP5_SEQUENCES, head_lines, load_with, usage_error, write


@pytest.fixture
def openp5_cut(shared_data, tmp_path):
    return write(tmp_path / "user_sequence.txt", head_lines(shared_data / OPENP5_SEQUENCES, 50))


@pytest.fixture
def asin_titles(shared_data, tmp_path):
    """The Beauty titles keyed by asin, the keys of user_sequence.txt."""
    rows = [line.rstrip("\n").split("\t") for line in head_lines(shared_data / BEAUTY_TITLES, 12102)]
    return write(tmp_path / "asin_titles.tsv", [f"{asin}\t{title}" for _, asin, title in rows])


def test_string_items_get_ids_by_first_appearance(openp5_cut):
    data = load_with("user-seq", path=openp5_cut)
    first = openp5_cut.read_text().splitlines()[0].split()
    assert data.n_users == 50 and data.user_ids[0] == first[0] == "A1YJEY40YUW4SE"
    assert data.sequence(0).tolist() == [1, 2, 3, 4, 5]
    assert data.item_ids[1:6] == first[1:] == ["B004756YJA", "B004ZT0SSG", "B0020YLEYK", "7806397051", "B002WLWX82"]
    assert data.sequence(1).tolist()[5] == 4  # 7806397051 again
    tokens = [token for line in openp5_cut.read_text().splitlines() for token in line.split()[1:]]
    assert data.n_interactions == len(tokens) and data.n_items == len(set(tokens))


def test_item_text_follows_the_string_keys(openp5_cut, asin_titles):
    data = load_with("user-seq", path=openp5_cut, items=asin_titles)
    assert list(data.item_text) == ["title"]
    assert data.item_text["title"][1] == "OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce"  # B004756YJA
    assert data.item_text["title"][4].startswith("WAWO 15 Color Professionl Makeup Eyeshadow")  # 7806397051


def test_full_openp5_file_matches_sracl_beauty(shared_data):
    data = load_with("user-seq", path=shared_data / OPENP5_SEQUENCES)
    assert (data.n_users, data.n_items, data.n_interactions) == (22363, 12101, 198502)


def test_integer_items_keep_their_ids(shared_data, tmp_path):
    lines = [line.split() for line in head_lines(shared_data / BEAUTY, 12)]
    users = {user: [item for u, item in lines if u == user] for user, _ in lines}
    path = write(tmp_path / "int_seq.txt", [f"{user} {' '.join(items)}" for user, items in reversed(users.items())])
    data = load_with("user-seq", path=path, items=shared_data / BEAUTY_TITLES, text_fields=["asin"])
    assert data.user_ids == ["2", "1"]
    assert data.sequence(0).tolist() == [7, 8, 9, 10, 11, 12] and data.n_items == 12
    assert np.array_equal(data.sequence(1), [1, 2, 3, 4, 5, 6])
    assert data.item_text["asin"][1] == "B007IY97U0"


def test_zero_item_falls_back_to_first_appearance(tmp_path):
    data = load_with("user-seq", path=write(tmp_path / "zero.txt", ["u1 0 5", "u2 5"]))
    assert data.item_ids == ["[PAD]", "0", "5"] and data.items.tolist() == [1, 2, 2]


def test_duplicate_user_line(openp5_cut, tmp_path):
    lines = openp5_cut.read_text().splitlines()
    path = write(tmp_path / "user_sequence.txt", [*lines[:3], lines[1]])
    message = usage_error("user-seq", path=path)
    assert message == "user_sequence.txt:4: user 'A60XNB876KYML' already has a line (user_sequence.txt:2)"


def test_user_without_items(openp5_cut, tmp_path):
    path = write(tmp_path / "user_sequence.txt", [*openp5_cut.read_text().splitlines()[:2], "A1PQFP6SAJ6D80"])
    message = usage_error("user-seq", path=path)
    assert message == "user_sequence.txt:3: expected a user followed by its items, got only 'A1PQFP6SAJ6D80'"
