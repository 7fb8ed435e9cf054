"""The csv loader through the fuzz harness of test_fuzz_loaders.py (what `sracl validate` runs): each damaged
CSV (with or without an item table) is a well-formed dataset or exit 2 whose every line names a file."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_loaders import FUZZ, TRIED, check_data_set, damaged, item_table, recipe_keys, sequences_of

KEYS = {"path": "x.csv", "user_column": "user", "item_column": "item_id", "timestamp_column": "time"}


@st.composite
def csv_table(draw):
    users = draw(sequences_of)
    times = st.sampled_from(["0", "3", "2.5", "2014-01-02", "1e3"])
    rows = [f"u{user},{item},{draw(times)}" for user, items in enumerate(users) for item in items]
    files = {"x.csv": draw(damaged(["user,item_id,time", *rows], ","))}
    keys = dict(KEYS)
    if draw(st.booleans()):
        files["x.tsv"], _ = draw(item_table())
        keys["items"] = "x.tsv"
    return files, keys


def test_fuzzed_csv_is_accepted_well_formed_or_refused_with_its_file(tmp_path):
    @FUZZ
    @given(generated=csv_table(), knobs=recipe_keys())
    def fuzz(generated, knobs):
        files, keys = generated
        check_data_set(tmp_path, "csv", files, keys, knobs)

    before = dict(TRIED)
    fuzz()
    tried, accepted = TRIED["data sets"] - before["data sets"], TRIED["accepted"] - before["accepted"]
    assert tried >= 300 and 0.1 * tried < accepted < 0.9 * tried, (tried, accepted)  # both ways, often
