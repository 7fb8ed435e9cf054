"""sracl-txt on the real SRA-CL files, and its error messages on cut copies."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import BEAUTY, BEAUTY_TITLES, OFFICE, head_lines, load_with, usage_error, write

from sracl_cli.data.split import leave_one_out


@pytest.fixture(scope="module")
def beauty(shared_data):
    return load_with("sracl-txt", path=shared_data / BEAUTY, items=shared_data / BEAUTY_TITLES, text_fields=["title"])


def test_beauty_counts_and_ids(beauty):
    assert (beauty.n_users, beauty.n_items, beauty.n_interactions) == (22363, 12101, 198502)
    assert beauty.user_ids[:3] == ["1", "2", "3"] and beauty.user_ids[-1] == "22363"
    assert beauty.item_ids[:3] == ["[PAD]", "1", "2"] and beauty.item_ids[-1] == "12101"
    assert beauty.sequence(0).tolist() == [1, 2, 3, 4, 5, 6]
    assert beauty.sequence(1).tolist() == [7, 8, 9, 10, 11, 12]


def test_beauty_leave_one_out_windows(beauty):
    split = leave_one_out(beauty, 20)
    assert len(split.train) == 131413
    assert split.train.inputs[:3, -4:].tolist() == [[0, 0, 0, 1], [0, 0, 1, 2], [0, 1, 2, 3]]
    assert split.train.inputs[:3, :-4].sum() == 0
    assert split.train.targets[:4].tolist() == [2, 3, 4, 8]  # user 1: targets 2..4, user 2 starts at 8
    assert split.valid.inputs[0, -5:].tolist() == [0, 1, 2, 3, 4] and split.valid.targets[0] == 5
    assert split.test.inputs[0, -6:].tolist() == [0, 1, 2, 3, 4, 5] and split.test.targets[0] == 6


def test_beauty_titles_aligned_with_ids(beauty):
    titles = beauty.item_text["title"]
    assert list(beauty.item_text) == ["title"]
    assert len(titles) == beauty.n_items + 1 and titles[0] == ""
    assert titles[1].startswith("63cm Long Zipper Beige+pink Wavy Cosplay Hair Wig")
    assert titles[2].startswith("MapofBeauty Long Wave Curly Hair Wig")
    assert sum(not title for title in titles[1:]) == 7  # SOURCE.md: 7 items have no title


def test_office_counts(shared_data):
    office = load_with("sracl-txt", path=shared_data / OFFICE)
    assert (office.n_users, office.n_items, office.n_interactions) == (4905, 2420, 53258)
    assert len(leave_one_out(office, 20).train) == 38543
    assert office.item_text == {}


def test_default_text_fields_are_all_but_the_id(shared_data, tmp_path):
    path = write(tmp_path / "cut.txt", head_lines(shared_data / BEAUTY, 12))
    data = load_with("sracl-txt", path=path, items=shared_data / BEAUTY_TITLES)
    assert list(data.item_text) == ["asin", "title"]
    assert data.item_text["asin"][1:3] == ["B007IY97U0", "B00870XLDS"]
    assert data.n_items == 12 and len(data.item_text["title"]) == 13  # rows of other ids are ignored


def test_relative_paths_resolve_against_the_recipe_folder(shared_data, tmp_path):
    write(tmp_path / "cut.txt", head_lines(shared_data / BEAUTY, 12))
    assert load_with("sracl-txt", base_dir=tmp_path, path="cut.txt").n_interactions == 12


def test_ids_with_gaps_keep_the_file_ids(tmp_path):
    path = write(tmp_path / "gaps.txt", ["3 5", "3 2", "8 9"])
    data = load_with("sracl-txt", path=path)
    assert data.n_items == 9 and data.user_ids == ["3", "8"]
    assert np.array_equal(data.items, [5, 2, 9]) and data.offsets.tolist() == [0, 2, 3]


@pytest.fixture
def beauty_cut(shared_data):
    return head_lines(shared_data / BEAUTY, 12)  # users 1 and 2, six items each


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1 x", "expected 2 integers (user item), got 'x'"),
        ("1 2 3", "expected 2 integers (user item), got 3 fields"),
        ("1", "expected 2 integers (user item), got 1 fields"),
        ("1 0", "item id 0 is below 1 (ids start at 1; 0 is padding)"),
        ("1 -4", "item id -4 is below 1 (ids start at 1; 0 is padding)"),
    ],
)
def test_malformed_line(beauty_cut, tmp_path, line, reason):
    path = write(tmp_path / "Beauty.txt", [*beauty_cut[:4], line, *beauty_cut[4:]])
    assert usage_error("sracl-txt", path=path) == f"Beauty.txt:5: {reason}"


def test_user_lines_must_be_contiguous(beauty_cut, tmp_path):
    path = write(tmp_path / "Beauty.txt", [*beauty_cut, "1 13"])
    message = usage_error("sracl-txt", path=path)
    assert message == "Beauty.txt:13: user 1 appears again after other users (lines must be grouped by user)"


def test_empty_file(tmp_path):
    path = write(tmp_path / "empty.txt", ["", "  "])
    assert usage_error("sracl-txt", path=path) == "empty.txt: no interactions found"


def test_unknown_text_field(shared_data, beauty_cut, tmp_path):
    path = write(tmp_path / "cut.txt", beauty_cut)
    message = usage_error("sracl-txt", path=path, items=shared_data / BEAUTY_TITLES, text_fields=["title", "brand"])
    assert message == "item_titles.tsv:1: no column 'brand' (text_fields); columns: item_id, asin, title"


def test_item_file_with_wrong_field_count(shared_data, beauty_cut, tmp_path):
    titles = head_lines(shared_data / BEAUTY_TITLES, 4)
    items = write(tmp_path / "items.tsv", [*titles[:2], "2\tB00870XLDS", *titles[3:]])
    message = usage_error("sracl-txt", path=write(tmp_path / "cut.txt", beauty_cut), items=items)
    assert message == "items.tsv:3: expected 3 tab-separated fields, got 2"


def test_missing_file_is_a_validation_error(tmp_path):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="file not found: .*nowhere.txt"):
        load_with("sracl-txt", path=tmp_path / "nowhere.txt")


def test_unknown_key_is_rejected(shared_data):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="titles"):
        load_with("sracl-txt", path=shared_data / BEAUTY, titles="x.tsv")
