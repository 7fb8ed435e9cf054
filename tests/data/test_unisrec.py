"""unisrec on the real UniSRec/CoWPiRec Scientific split files."""

from __future__ import annotations

import shutil

import pytest
from data_helpers import SCIENTIFIC, load_with, usage_error
from pydantic import ValidationError

from sracl_cli.data.split import leave_one_out


@pytest.fixture(scope="module")
def scientific(shared_data):
    return load_with("unisrec", path=shared_data / SCIENTIFIC)


def test_counts(scientific):
    assert (scientific.n_users, scientific.n_items, scientific.n_interactions) == (8442, 4385, 59384)


def test_sequences_are_test_history_plus_target(scientific, shared_data):
    lines = (shared_data / f"{SCIENTIFIC}.test.inter").read_text().splitlines()
    assert lines[1] == "0\t0 1 2 3 4 5 6 7 8 9 10 11 12\t13"
    assert scientific.user_ids[:2] == ["0", "1"]
    assert scientific.sequence(0).tolist() == list(range(1, 15))  # indexes 0..13 -> ids 1..14
    split = leave_one_out(scientific, 50)
    assert split.valid.targets[0] == 13 and split.test.targets[0] == 14


def test_item_ids_and_text_follow_item2index(scientific, shared_data):
    first_index = (shared_data / f"{SCIENTIFIC}.item2index").read_text().splitlines()[0]
    assert first_index == "B00TNNWMXI\t0" and scientific.item_ids[1] == "B00TNNWMXI"
    assert list(scientific.item_text) == ["text"]
    assert scientific.item_text["text"][1].startswith("eSUN Bronze filament 1.75mm 0.5kg(1.1lb) Spool")
    assert all(scientific.item_text["text"][1:])


def test_path_relative_to_recipe_folder(shared_data):
    data = load_with("unisrec", base_dir=shared_data / "amazon_scientific_unisrec", path="Scientific", text_fields=[])
    assert data.n_interactions == 59384 and data.item_text == {}


def test_missing_split_file(shared_data):
    with pytest.raises(ValidationError) as info:
        load_with("unisrec", path=shared_data / "amazon_scientific_unisrec/Scientific.test.inter")
    message = info.value.errors()[0]["msg"]
    expected = shared_data / "amazon_scientific_unisrec/Scientific.test.inter.test.inter"
    assert message == (
        f"Value error, file not found: {expected} (path is the prefix of the UniSRec files, e.g. .../Scientific)"
    )


@pytest.fixture
def copy(shared_data, tmp_path):
    for part in ("test.inter", "valid.inter", "item2index", "text"):
        shutil.copy(shared_data / f"{SCIENTIFIC}.{part}", tmp_path / f"Sci.{part}")
    return tmp_path / "Sci"


def test_valid_row_must_match_test_history(copy):
    valid = copy.with_name("Sci.valid.inter")
    lines = valid.read_text().splitlines(keepends=True)
    lines[2] = "1\t14 15 16 17 18 19 20 21 22 23\t99\n"
    valid.write_text("".join(lines))
    message = usage_error("unisrec", path=copy)
    assert message == "Sci.valid.inter:3: target 99 is not the last history item of Sci.test.inter:3"


def test_without_optional_files(copy):
    for part in ("valid.inter", "item2index", "text"):
        copy.with_name(f"Sci.{part}").unlink()
    data = load_with("unisrec", path=copy)
    assert data.n_interactions == 59384 and data.item_ids[1:3] == ["0", "1"] and data.item_text == {}


def test_duplicate_test_row(copy):
    test = copy.with_name("Sci.test.inter")
    lines = test.read_text().splitlines(keepends=True)
    test.write_text("".join([*lines, lines[1]]))
    assert usage_error("unisrec", path=copy) == "Sci.test.inter:8444: user '0' already has a row (Sci.test.inter:2)"


def test_unknown_text_field(copy):
    message = usage_error("unisrec", path=copy, text_fields=["title"])
    assert message == "Sci.text:1: no column 'title' (text_fields); columns: item_id, text"


def test_non_integer_index(copy):
    test = copy.with_name("Sci.test.inter")
    lines = test.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace("\t", "\tB00TNNWMXI ", 1)
    test.write_text("".join(lines))
    assert usage_error("unisrec", path=copy) == "Sci.test.inter:6: expected 0-based integer item indexes"
