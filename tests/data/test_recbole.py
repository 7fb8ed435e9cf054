"""recbole on small atomic files written from real Beauty rows, with timestamps out of file order."""

from __future__ import annotations

import pytest
from data_helpers import BEAUTY, BEAUTY_TITLES, head_lines, load_with, usage_error, write

# (user, SRA-CL Beauty item id, timestamp) in file order: users interleaved, times out of order, one tie.
EVENTS = [
    ("1", 1, 50.0), ("2", 7, 300.0), ("1", 2, 10.0), ("1", 3, 40.0), ("2", 8, 100.0),
    ("1", 4, 40.0), ("1", 5, 30.0), ("2", 9, 200.0), ("1", 6, 60.0),
]  # fmt: skip


@pytest.fixture
def titles(shared_data):
    rows = [line.rstrip("\n").split("\t") for line in head_lines(shared_data / BEAUTY_TITLES, 10)[1:]]
    return {int(item): (asin, title) for item, asin, title in rows}


@pytest.fixture
def inter(shared_data, titles, tmp_path):
    real = {tuple(map(int, line.split())) for line in head_lines(shared_data / BEAUTY, 12)}
    assert all((int(user), item) in real for user, item, _ in EVENTS)
    lines = [f"{user}\t{titles[item][0]}\t5.0\t{time}" for user, item, time in EVENTS]
    return write(tmp_path / "beauty.inter", ["user_id:token\titem_id:token\trating:float\ttimestamp:float", *lines])


@pytest.fixture
def item_file(titles, tmp_path):
    lines = [f"{asin}\t{item}\t{title}" for item, (asin, title) in titles.items()]
    return write(tmp_path / "beauty.item", ["item_id:token\titem_num:float\ttitle:token_seq", *lines])


def test_sorted_by_time_with_ids_by_first_appearance(inter, titles):
    data = load_with("recbole", path=inter)
    assert data.user_ids == ["1", "2"]
    chronological = {"1": [2, 5, 3, 4, 1, 6], "2": [8, 9, 7]}  # tie 3/4 at t=40 keeps file order
    expected_tokens = [titles[item][0] for user in ("1", "2") for item in chronological[user]]
    assert data.item_ids[1:] == expected_tokens
    assert data.sequence(0).tolist() == [1, 2, 3, 4, 5, 6] and data.sequence(1).tolist() == [7, 8, 9]


def test_item_text_defaults_to_token_columns(inter, item_file, titles):
    data = load_with("recbole", path=inter, items=item_file)
    assert list(data.item_text) == ["title"]
    assert data.item_text["title"][1] == titles[2][1]
    assert data.item_text["title"][5].startswith("63cm Long Zipper Beige+pink Wavy Cosplay Hair Wig")


def test_custom_field_names(tmp_path):
    inter = write(tmp_path / "x.inter", ["uid:token\tiid:token\tts:float", "a\tq\t2", "a\tp\t1"])
    data = load_with("recbole", path=inter, user_field="uid", item_field="iid", time_field="ts")
    assert data.item_ids == ["[PAD]", "p", "q"]
    unsorted = load_with("recbole", path=inter, user_field="uid", item_field="iid", time_field=None)
    assert unsorted.item_ids == ["[PAD]", "q", "p"]


def test_missing_header_column(inter):
    message = usage_error("recbole", path=inter, time_field="time")
    assert message == "beauty.inter:1: no column 'time' (time_field); columns: user_id, item_id, rating, timestamp"


def test_unknown_text_field(inter, item_file):
    message = usage_error("recbole", path=inter, items=item_file, text_fields=["brand"])
    assert message == "beauty.item:1: no column 'brand' (text_fields); columns: item_id, item_num, title"


@pytest.mark.parametrize("bad", ["yesterday", "nan", ""])
def test_bad_timestamp(inter, tmp_path, bad):
    lines = inter.read_text().splitlines()
    lines[4] = lines[4].rsplit("\t", 1)[0] + f"\t{bad}"
    message = usage_error("recbole", path=write(tmp_path / "bad.inter", lines))
    assert message == f"bad.inter:5: timestamp '{bad}' is not a finite number"


def test_wrong_field_count(inter, tmp_path):
    lines = inter.read_text().splitlines()
    lines[2] = lines[2].replace("\t5.0", "")
    assert usage_error("recbole", path=write(tmp_path / "bad.inter", lines)) == (
        "bad.inter:3: expected 4 tab-separated fields, got 3"
    )
