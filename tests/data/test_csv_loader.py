"""csv loader: the quickstart sample as CSV / TSV / Parquet / .csv.gz with string ids and shuffled rows gives
the sracl-txt dataset and split; duplicates, unsorted rows and ties are handled and counted; bad rows are
refused as file:line naming the column."""

from __future__ import annotations

import gzip
import sys

import numpy as np
import pytest
from csv_helpers import QUICKSTART, START, quickstart_asins, shuffled, timed_events, write_csv
from data_helpers import load_with, usage_error, write

from helpers import run_cli, write_recipe
from sracl_cli.data.split import leave_one_out

FIRST = quickstart_asins()["1"]
COLUMNS = {"user_column": "user", "item_column": "item", "timestamp_column": "time"}


@pytest.fixture(scope="module")
def reference():
    return load_with("sracl-txt", path=QUICKSTART / "beauty_sample.txt", items=QUICKSTART / "items.tsv",
                     text_fields=["title"])


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    return write_csv(folder / "events.csv", ["time", "item", "user"],
                     [(time, item, user) for user, item, time in shuffled(timed_events())])


def test_shuffled_csv_with_string_ids_gives_the_sracl_txt_dataset_and_split(events_csv, reference):
    data = load_with("csv", path=events_csv, items=QUICKSTART / "items.tsv", items_id_column="asin",
                     text_fields=["title"], **COLUMNS)
    assert (data.n_users, data.n_items, data.n_interactions) == (2000, 7216, 17115)
    assert data.user_ids[:3] == ["u0001", "u0002", "u0003"] and data.item_ids[1] == FIRST
    assert np.array_equal(data.offsets, reference.offsets) and np.array_equal(data.items, reference.items)
    assert data.item_text == reference.item_text
    ours, theirs = leave_one_out(data, 20), leave_one_out(reference, 20)
    for part in ("train", "valid", "test"):
        for field in ("inputs", "targets", "users", "history_end"):
            assert np.array_equal(getattr(getattr(ours, part), field), getattr(getattr(theirs, part), field))
    assert len(ours.train) == 11115
    late = _rows_after_a_later_one(shuffled(timed_events()))
    assert late > 5000
    assert data.notes == ("events.csv: 17,115 rows, 0 duplicate (user, item, timestamp) rows dropped, "
                          f"{late:,} rows out of time order within their user (sorted by timestamp), 0 rows tied "
                          "with their user's previous timestamp (kept in file order)",)


def _rows_after_a_later_one(events) -> int:
    """Rows with a row of the same user and a later time above them, counted by brute force per user."""
    times: dict[str, list[int]] = {}
    for user, _, time in events:
        times.setdefault(user, []).append(time)
    return sum(any(earlier > t for earlier in ts[:i]) for ts in times.values() for i, t in enumerate(ts))


def test_tsv_gzip_and_parquet_read_the_same(events_csv, tmp_path):
    expected = load_with("csv", path=events_csv, **COLUMNS)
    rows = [line.split(",") for line in events_csv.read_text().splitlines()]
    tsv = write_csv(tmp_path / "events.tsv", None, rows, delimiter="\t")
    packed = tmp_path / "events.csv.gz"
    packed.write_bytes(gzip.compress(events_csv.read_bytes()))
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"time": [int(r[0]) for r in rows[1:]], "item": [r[1] for r in rows[1:]],
                      "user": [r[2] for r in rows[1:]]})
    pq.write_table(table, tmp_path / "events.parquet")
    for path in (tsv, packed, tmp_path / "events.parquet"):
        data = load_with("csv", path=path, **COLUMNS)
        assert data.user_ids == expected.user_ids and data.item_ids == expected.item_ids, path.name
        assert np.array_equal(data.items, expected.items), path.name


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    file = tmp_path / "events.parquet"
    file.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    message = usage_error("csv", path=file)
    assert message == "events.parquet: reading Parquet needs pyarrow: pip install 'sracl[parquet]'"


def test_duplicates_dropped_unsorted_sorted_ties_in_file_order_all_counted(tmp_path):
    (u1, a, t), (_, b, _), (_, c, _) = timed_events(users=1)[:3]
    rows = [("u1", c, t + 2), ("u1", a, t), ("u1", b, t + 1), ("u1", a, t), ("u1", c, t + 1), ("u1", b, t + 1)]
    data = load_with("csv", path=write_csv(tmp_path / "e.csv", ["user", "item", "time"], rows), **COLUMNS)
    # a@t and b@t+1 repeat (dropped); a, b and c@t+1 come after c@t+2 (sorted)
    assert [data.item_ids[i] for i in data.sequence(0)] == [a, b, c, c]  # b and c tie at t+1: file order
    assert data.notes == ("e.csv: 6 rows, 2 duplicate (user, item, timestamp) rows dropped, 3 rows out of time "
                          "order within their user (sorted by timestamp), 1 rows tied with their user's previous "
                          "timestamp (kept in file order)",)
    kept = load_with("csv", path=tmp_path / "e.csv", duplicates="keep", **COLUMNS)
    assert kept.n_interactions == 6


def test_no_header_iso_dates_numeric_user_order_and_no_timestamp(tmp_path):
    rows = [("10", "x", "2014-03-01"), ("9", "y", "2014-03-02T10:00:00Z"), ("10", "y", "2014-02-28T23:59:59+00:00"),
            ("9", "x", "2014-03-02T09:00:00")]
    file = write_csv(tmp_path / "e.csv", None, rows)
    data = load_with("csv", path=file, header=False, columns=["user", "item", "time"], **COLUMNS)
    assert data.user_ids == ["9", "10"]  # integers by value, not "10" < "9"
    assert [[data.item_ids[i] for i in data.sequence(u)] for u in range(2)] == [["x", "y"], ["y", "x"]]
    in_file_order = load_with("csv", path=file, header=False, columns=["user", "item", "time"],
                              user_column="user", item_column="item", timestamp_column="")
    assert [[in_file_order.item_ids[i] for i in in_file_order.sequence(u)] for u in range(2)] == [["y", "x"],
                                                                                                ["x", "y"]]
    assert in_file_order.notes == ("e.csv: 4 rows, no timestamp column: each user's rows in file order",)


def test_item_text_from_any_columns(events_csv, tmp_path):
    items = write_csv(tmp_path / "items.csv", ["brand", "item", "title"],
                      [("Acme", FIRST, "Nail, liquid"), ("", "unknown", "Other")])
    data = load_with("csv", path=events_csv, items=items, **COLUMNS)
    assert list(data.item_text) == ["brand", "title"]
    assert data.item_text["title"][1] == "Nail, liquid" and data.item_text["brand"][1] == "Acme"
    assert data.item_text["title"][2] == ""
    only_title = load_with("csv", path=events_csv, items=items, text_fields=["title"], **COLUMNS)
    assert list(only_title.item_text) == ["title"]
    message = usage_error("csv", path=events_csv, items=items, text_fields=["price"], **COLUMNS)
    assert message == "items.csv:1: no column 'price' (text_fields); columns: brand, item, title"


@pytest.mark.parametrize("row, expected", [
    (f"u1,,{START}", "e.csv:3: column 'item' is empty"),
    ("u1,B000", "e.csv:3: no value for column 'time' (the row has 2 of 3 fields)"),
    (f"u1,B000,{START},5", "e.csv:3: expected 3 fields, got 4"),
    ("u1,B000,yesterday", "e.csv:3: timestamp 'yesterday' is neither a number nor an ISO 8601 date"),
    ("u1,B000,nan", "e.csv:3: timestamp 'nan' is neither a number nor an ISO 8601 date"),
    ('u1,"B000,1', "e.csv:3: not a valid CSV record: unexpected end of data"),
])
def test_bad_rows_name_file_line_and_column(tmp_path, row, expected):
    file = write(tmp_path / "e.csv", ["user,item,time", f"u1,B000,{START}", row, f"u2,B000,{START}"])
    assert usage_error("csv", path=file, **COLUMNS) == expected


def test_not_utf8_names_its_line(tmp_path):
    file = tmp_path / "e.csv"
    file.write_bytes(f"user,item,time\nu1,a,{START}\nu1,\xff,{START}\n".encode("latin-1"))
    message = usage_error("csv", path=file, **COLUMNS)
    assert message == "e.csv:3: not UTF-8 text (invalid start byte at byte 3 of the line)"


def test_missing_column_and_config_errors(events_csv, tmp_path):
    assert usage_error("csv", path=events_csv, **{**COLUMNS, "timestamp_column": "ts"}) == (
        "events.csv:1: no column 'ts' (timestamp_column); columns: time, item, user"
    )
    from pydantic import ValidationError

    from sracl_cli import kinds, registry

    model = registry.load(kinds.DATASET, "csv").config_model
    odd = write(tmp_path / "events.dat", ["user,item,time"])
    for keys, reason in [
        ({"path": odd}, "cannot tell the format of events.dat from its extension"),
        ({"path": events_csv, "delimiter": ";;"}, "expected one character, got ';;'"),
        ({"path": events_csv, "header": False}, "needs `columns`"),
        ({"path": events_csv, "columns": ["a"]}, "needs `columns`, and only such a file"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            model.model_validate(keys)
    assert model.model_validate({"path": odd, "format": "csv"}).format == "csv"


def test_validate_refuses_a_missing_field_with_exit_2(tmp_path):
    write(tmp_path / "e.csv", ["user,item,time", f"u1,a,{START}", f"u1,,{START + 1}"])
    recipe = write_recipe(tmp_path, '[data]\nloader = "csv"\npath = "e.csv"\nuser_column = "user"\n'
                                    'item_column = "item"\ntimestamp_column = "time"\n')
    result = run_cli("validate", recipe)
    assert result.exit_code == 2 and result.stderr.strip() == "e.csv:3: column 'item' is empty"
