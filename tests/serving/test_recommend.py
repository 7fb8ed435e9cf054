"""`sracl recommend` and `load_run(...).recommend(...)` on a trained run of the bundled sample: the ranking is
evaluation's (the acceptance check against eval's HR@20 hits), new histories, files in and out, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from serving_helpers import QUICKSTART, SMALL, train

from helpers import run_cli
from sracl_cli.data.split import leave_one_out
from sracl_cli.evaluation.ranking import target_ranks
from sracl_cli.serving import load_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(quickstart_run):
    return load_run(quickstart_run)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_top20_holds_the_test_target_exactly_for_evals_hr20_hits(quickstart_run, run, tmp_path):
    """Every test user's history before its test target, recommended with seen items kept (as eval ranks):
    the target is in the top 20 for exactly the users eval counted as hits, and their share is eval's HR@20."""
    data = run.data
    test = leave_one_out(data, run.max_len).test
    ranks = target_ranks(run.model, test, data, 20, run.batch_size, False, torch.device("cpu"))
    hits = ranks < 20
    metrics = json.loads((quickstart_run / "eval" / "metrics.json").read_text())["metrics"]
    assert hits.mean() == metrics["hr@20"] and 0 < hits.sum() < len(hits)
    queries = [{"id": data.user_ids[user],
                "history": [data.item_ids[i] for i in data.items[data.offsets[user]:end]]}
               for user, end in zip(test.users, test.history_end)]
    assert max(len(query["history"]) for query in queries) > run.max_len  # long histories keep their last items
    source = _write_jsonl(tmp_path / "test_users.jsonl", queries)
    result = run_cli("recommend", quickstart_run, "--input", source, "--out", tmp_path / "top.jsonl",
                     "--no-exclude-seen", "-k", "20")
    assert result.exit_code == 0, result.stderr
    records = _jsonl(tmp_path / "top.jsonl")
    assert [record["query"] for record in records] == [query["id"] for query in queries]
    targets = [data.item_ids[item] for item in test.targets]
    got = np.array([target in [row["item"] for row in record["recommendations"]]
                    for record, target in zip(records, targets)])
    assert np.array_equal(got, hits)


def test_a_new_history_with_unknown_ids_reports_them_and_ranks_the_known_ones(quickstart_run, run):
    result = run_cli("recommend", quickstart_run, "--history", "12 7 99999 nope", "--json", "-k", "10")
    assert result.exit_code == 0, result.stderr
    assert "2 item id(s) unknown to quickstart" in result.stderr and "'99999'" in result.stderr
    printed = json.loads(result.stdout)
    assert printed["unknown_items"]["count"] == 2
    assert [entry["item"] for entry in printed["unknown_items"]["first"]] == ["99999", "nope"]
    rows = printed["recommendations"]
    assert [row["rank"] for row in rows] == list(range(1, 11))
    assert not {"12", "7"} & {row["item"] for row in rows}  # seen items are hidden by default
    assert rows == run.recommend(history=["12", "7"], k=10)
    assert rows[0]["title"] == run.titles[int(rows[0]["item"])] and rows[0]["title"]
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_api_unknown_items_raise_unless_skipped_and_long_histories_keep_the_latest(run):
    from sracl_cli.errors import UsageError

    with pytest.raises(UsageError, match="1 item id"):
        run.recommend(history=["1", "no-such-item"])
    assert run.recommend(history=["1", "no-such-item"], skip_unknown=True) == run.recommend(history=["1"])
    long = [str(item) for item in range(1, 41)]
    assert (run.recommend(history=long, exclude_seen=False)
            == run.recommend(history=long[-run.max_len:], exclude_seen=False))
    hidden = {row["item"] for row in run.recommend(history=long, k=50)}
    assert not hidden & set(long)  # every item of the history is hidden, not only the last max_len


def test_a_user_is_ranked_from_the_whole_sequence_in_a_table(quickstart_run, run):
    user = run.data.user_ids[5]
    result = run_cli("recommend", quickstart_run, "--user", user, "-k", "5")
    assert result.exit_code == 0, result.stderr
    top = run.recommend(user=user, k=5)
    seen = {run.data.item_ids[i] for i in run.data.sequence(5)}
    assert len(top) == 5 and not seen & {row["item"] for row in top}
    assert f"top 5 for user {user}" in result.stdout and top[0]["title"][:20] in result.stdout
    unknown = run_cli("recommend", quickstart_run, "--user", "no-such-user")
    assert unknown.exit_code == 2 and "--user: 'no-such-user' is not a user of quickstart" in unknown.stderr


def test_input_jsonl_to_csv_matches_the_api(quickstart_run, run, tmp_path):
    users = run.data.user_ids[:3]
    source = _write_jsonl(tmp_path / "q.jsonl", [{"user": users[0]}, {"history": "1 2 3", "id": "new-1"},
                                                 {"user": int(users[1])}, {"history": [4, "5"]}])
    result = run_cli("recommend", quickstart_run, "--input", source, "--out", tmp_path / "out.csv", "-k", "3",
                     "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["queries"] == 4 and summary["rows"] == 12 and summary["unknown_items"]["count"] == 0
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["query", "rank", "item", "title", "score"]
    assert [row["query"] for row in rows[::3]] == [users[0], "new-1", users[1], "line 4"]
    expected = run.recommend(history=["4", "5"], k=3)
    assert [(row["item"], row["title"], float(row["score"])) for row in rows[9:]] == [
        (row["item"], row["title"], pytest.approx(row["score"], rel=1e-6)) for row in expected]


@pytest.mark.parametrize("name, separator", [("q.csv", ","), ("q.tsv", "\t")])
def test_input_table_of_users_and_histories(quickstart_run, run, tmp_path, name, separator):
    user = run.data.user_ids[2]
    lines = [["id", "user", "history"], ["a", user, ""], ["b", "", "12 7 99999"], ["", "", "431"]]
    source = tmp_path / name
    source.write_text("".join(separator.join(line) + "\n" for line in lines), encoding="utf-8")
    result = run_cli("recommend", quickstart_run, "--input", source, "--out", tmp_path / "out.jsonl", "-k", "5")
    assert result.exit_code == 0, result.stderr
    assert f"1 item id(s) unknown to quickstart, left out of the history ({name}:3): '99999'" in result.stderr
    records = _jsonl(tmp_path / "out.jsonl")
    assert [(r["query"], r.get("user"), r["unknown_items"]) for r in records] == [
        ("a", user, []), ("b", None, ["99999"]), ("line 4", None, [])]
    assert _same_rows(records[0]["recommendations"], run.recommend(user=user, k=5))
    assert _same_rows(records[1]["recommendations"], run.recommend(history=["12", "7"], k=5))


def _same_rows(got: list[dict], expected: list[dict]) -> bool:
    """Same items in the same order; scores to float32 rounding (a batch of other rows can move the last digit)."""
    return [(r["rank"], r["item"], r["title"]) for r in got] == [(r["rank"], r["item"], r["title"]) for r in expected] \
        and got == [{**r, "score": pytest.approx(r["score"], rel=1e-6)} for r in expected]


def test_all_users_to_parquet_and_jsonl(quickstart_run, run, tmp_path):
    import pyarrow.parquet as pq

    result = run_cli("recommend", quickstart_run, "--all-users", "--out", tmp_path / "all.parquet", "-k", "4")
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(tmp_path / "all.parquet").to_pylist()
    assert len(table) == 4 * run.data.n_users and table[0]["query"] == run.data.user_ids[0]
    user = run.data.user_ids[7]
    assert [(r["item"], r["title"]) for r in table if r["query"] == user] == [
        (r["item"], r["title"]) for r in run.recommend(user=user, k=4)]
    assert "recommend: 2,000/2,000 queries (100%)" in result.stderr
    again = run_cli("recommend", quickstart_run, "--all-users", "--out", tmp_path / "all.jsonl", "-k", "4")
    assert again.exit_code == 0, again.stderr
    records = _jsonl(tmp_path / "all.jsonl")
    assert [(row["item"], row["rank"]) for row in records[7]["recommendations"]] == [
        (row["item"], row["rank"]) for row in table if row["query"] == user]


@pytest.mark.parametrize("name, text, message", [
    ("bad.jsonl", '{"user": "1"}\n{"user": \n', "bad.jsonl:2: not JSON"),
    ("bad.jsonl", '{"user": "1"}\n\n{"histroy": [1]}\n', "bad.jsonl:3: unknown key 'histroy'"),
    ("bad.jsonl", '{"user": "1", "history": [2]}\n', "bad.jsonl:1: give exactly one of user and history"),
    ("bad.jsonl", '{"history": [1.5]}\n', "bad.jsonl:1: history item: expected an id"),
    ("bad.jsonl", '{"user": "1"}\n{"user": "no-such-user"}\n', "bad.jsonl:2: 'no-such-user' is not a user"),
    ("bad.csv", "id,items\nx,1 2\n", "bad.csv:1: no column 'user' or 'history'"),
    ("bad.csv", "id,history\nx,1 2\ny,3,4\n", "bad.csv:3: expected 2 fields, got 3"),
])
def test_bad_input_is_exit_2_naming_the_line_and_writes_nothing(quickstart_run, tmp_path, name, text, message):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("recommend", quickstart_run, "--input", source, "--out", out)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [source]


@pytest.mark.parametrize("args, message", [
    (["--user", "1", "--history", "2"], "give exactly one of --user, --history, --input and --all-users"),
    (["--all-users"], "--input and --all-users write to --out FILE"),
    (["--all-users", "--out", "x.txt"], "--out x.txt: expected a .jsonl, .csv, .parquet file, got '.txt'"),
    (["--input", "q.parquet", "--out", "x.csv"], "--input q.parquet: expected a .jsonl, .csv, .tsv file"),
    (["--history", "1", "-k", "0"], "-k: 0 is not between 1 and the 7,216 items of quickstart"),
    (["--history", "nope also-not"], "--history: none of its 2 item ids is an item of quickstart"),
    (["--history", "1", "--seed", "5"], "--seed: the run has one seed (2024), not 5"),
])
def test_usage_problems_are_exit_2(quickstart_run, args, message):
    result = run_cli("recommend", quickstart_run, *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_a_run_of_several_seeds_serves_the_best_validation_unless_asked(tmp_path):
    out = train(tmp_path / "seeds", *SMALL, "--set", "train.seeds=[1, 2]")
    valid = {seed: json.loads((out / "seeds" / f"seed-{seed}" / "train" / "manifest.json").read_text())["best_valid"]
             for seed in (1, 2)}
    best = max(valid, key=lambda seed: valid[seed])
    history = " ".join(load_run(out).data.item_ids[1:3])  # the 4-core keeps the file's ids of its items
    result = run_cli("recommend", QUICKSTART, "--set", f'output.dir="{out}"', "--set", "data.min_core=4",
                     "--set", "train.seeds=[1, 2]", "--history", history, "--json")
    assert result.exit_code == 0, result.stderr
    assert f"serving seed {best} of train.seeds [1, 2]: the best validation mrr@10" in result.stderr
    assert json.loads(result.stdout)["seed"] == best
    other = 3 - best
    asked = run_cli("recommend", out, "--history", history, "--json", "--seed", str(other))
    assert asked.exit_code == 0 and json.loads(asked.stdout)["seed"] == other
    assert json.loads(asked.stdout)["recommendations"] != json.loads(result.stdout)["recommendations"]
    wrong = run_cli("recommend", out, "--history", history, "--seed", "7")
    assert wrong.exit_code == 2 and "--seed: 7 is not one of train.seeds [1, 2]" in wrong.stderr
