"""Strict data: nothing is accepted silently (duplicate item rows, a BOM, huge ids) and every error is file:line."""

from __future__ import annotations

import pytest
from data_helpers import load_with, usage_error, write

from helpers import QUICKSTART_DATA, run_cli, write_recipe


def sequences(tmp_path, text: str = "1 1\n1 2\n1 3\n1 4\n2 2\n2 3\n2 4\n2 1\n"):
    path = tmp_path / "seq.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_item_id_names_both_lines(tmp_path):
    items = write(tmp_path / "items.tsv", ["item_id\ttitle", "1\tLipstick", "2\tMascara", "1\tLip gloss"])
    recipe = write_recipe(tmp_path, f'[data]\npath = "{sequences(tmp_path)}"\nitems = "{items}"\n')
    result = run_cli("validate", recipe)
    assert result.exit_code == 2
    assert result.stderr.strip() == "items.tsv:4: item '1' already has a row (items.tsv:2); keep one of them"


@pytest.mark.parametrize("loader", ["recbole", "unisrec"])
def test_duplicate_item_rows_in_the_other_item_tables(tmp_path, loader):
    if loader == "recbole":
        write(tmp_path / "x.inter", ["user_id:token\titem_id:token", "u\ta", "u\tb", "u\tc", "u\td"])
        write(tmp_path / "x.item", ["item_id:token\ttitle:token_seq", "a\tA", "b\tB", "a\tA again"])
        files = {"path": str(tmp_path / "x.inter"), "items": str(tmp_path / "x.item")}
        message = usage_error("recbole", time_field=None, **files)
        assert message == "x.item:4: item 'a' already has a row (x.item:2); keep one of them"
    else:
        write(tmp_path / "S.test.inter", ["user_id:token\titem_id_list:token_seq\titem_id:token", "1\t0 1 2\t3"])
        write(tmp_path / "S.item2index", ["a\t0", "b\t1", "c\t2", "d\t1"])
        message = usage_error("unisrec", path=str(tmp_path / "S"))
        assert message == "S.item2index:4: index 1 already has a line (S.item2index:2)"


def test_a_byte_order_mark_is_dropped(tmp_path):
    plain = load_with("sracl-txt", path=str(sequences(tmp_path)))
    marked = tmp_path / "bom.txt"
    marked.write_bytes(b"\xef\xbb\xbf" + sequences(tmp_path).read_bytes())
    with_bom = load_with("sracl-txt", path=str(marked))
    assert with_bom.items.tolist() == plain.items.tolist() == [1, 2, 3, 4, 2, 3, 4, 1]
    assert with_bom.user_ids == ["1", "2"]


def test_a_byte_order_mark_before_a_header_is_dropped(tmp_path):
    inter = tmp_path / "x.inter"
    inter.write_text("\ufeffuser_id:token\titem_id:token\nu\ta\nu\tb\nu\tc\nu\td\n", encoding="utf-8")
    data = load_with("recbole", path=str(inter), time_field=None)
    assert data.item_ids == ["[PAD]", "a", "b", "c", "d"]


def test_invisible_characters_are_shown_escaped(tmp_path):
    message = usage_error("sracl-txt", path=str(sequences(tmp_path, "1 1\n1 2\n\ufeff1 3\n")))
    assert message == "seq.txt:3: expected 2 integers (user item), got '\\ufeff1'"


def test_non_utf8_data_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"1 1\n1 2\n1 3 \xe9\n")
    message = usage_error("sracl-txt", path=str(path))
    assert message == "latin1.txt:3: not UTF-8 text (invalid continuation byte at byte 12)"


@pytest.mark.parametrize(("token", "reason"), [
    ("99999999999", "item id 99999999999 is above 10,000,000"),
    ("1" * 5000, "expected 2 integers (user item), got '1111111111111111111111111111111111111111...'"),
])
def test_ids_that_would_exhaust_memory_are_refused(tmp_path, token, reason):
    message = usage_error("sracl-txt", path=str(sequences(tmp_path, f"1 1\n1 {token}\n")))
    assert message.startswith(f"seq.txt:2: {reason}")


def test_min_core_that_leaves_nothing_is_refused_before_training(tmp_path):
    recipe = write_recipe(tmp_path, f'{QUICKSTART_DATA}\n[output]\ndir = "{tmp_path / "run"}"\n')
    for command in ("validate", "train"):
        result = run_cli(command, recipe, "--set", "data.min_core=1000")
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            "recipe.toml: data.min_core: 1000 leaves none of the 17,115 interactions; lower data.min_core"
        )


def test_data_without_a_training_sample_is_refused(tmp_path):
    path = sequences(tmp_path, "1 1\n1 2\n1 3\n2 1\n")
    recipe = write_recipe(tmp_path, f'[data]\npath = "{path}"\n')
    result = run_cli("validate", recipe)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "recipe.toml: data: no user has the 4 interactions one training sample needs (train, then the "
        "validation and test targets); the longest of 2 users has 3"
    )
