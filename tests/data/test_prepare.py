"""`sracl data prepare` on small Amazon dumps the tests write in the 2014 and 2018 formats from the quickstart's
real rows and titles: 5-core, titles, the csv loader reading the result back, python-literal metadata."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest
from csv_helpers import QUICKSTART, shuffled, timed_events
from data_helpers import load_with, write

from helpers import run_cli
from sracl_cli.data.kcore import kcore
from sracl_cli.data.load import load_dataset
from sracl_cli.recipe import load_recipe


def _titles() -> dict[str, str]:
    lines = (QUICKSTART / "items.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {asin: title for _, asin, title in (line.split("\t") for line in lines)}


def _reviews(release: int) -> list[str]:
    """Review lines of the release's shape (extra fields included), reviewers renamed like Amazon's, shuffled."""
    lines = []
    for user, asin, time in shuffled(timed_events()):
        review = {"reviewerID": f"A{int(user[1:]):05d}QX", "asin": asin, "overall": 5.0, "reviewText": "ok",
                  "unixReviewTime": time}
        review |= {"helpful": [0, 0], "reviewTime": "01 1, 2014"} if release == 2014 else {"verified": True}
        lines.append(json.dumps(review))
    return lines


def _meta(release: int) -> list[str]:
    """2014: python dict literals (as some 2014 files are), `categories`; 2018: JSON, `category`."""
    lines = []
    for asin, title in _titles().items():
        if release == 2014:
            lines.append(repr({"asin": asin, "title": title, "brand": "B\tx", "categories": [["Beauty", "Nails"]],
                               "salesRank": {"Beauty": 3}}))
        else:
            lines.append(json.dumps({"asin": asin, "title": title, "brand": "", "category": ["Beauty", "Nails"]}))
    return lines


def _gz(path, lines):
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    return path


def _sequences(data, names: list[str]) -> list[list[str]]:
    return [[names[i] for i in data.sequence(u)] for u in range(data.n_users)]


@pytest.mark.parametrize("release", [2014, 2018])
def test_prepare_gives_the_5_core_with_titles_and_a_recipe_the_csv_loader_reads(tmp_path, release):
    reviews = _gz(tmp_path / "reviews_Beauty.json.gz", _reviews(release))
    meta = _gz(tmp_path / "meta_Beauty.json.gz", _meta(release))
    out = tmp_path / "beauty"
    result = run_cli("data", "prepare", reviews, "--meta", meta, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stdout and "interactions.csv" in result.stdout
    data = load_dataset(load_recipe(out / "recipe.toml"))

    sample = load_with("sracl-txt", path=QUICKSTART / "beauty_sample.txt", items=QUICKSTART / "items.tsv",
                       text_fields=["asin", "title"])
    reference = kcore(sample, 5)
    assert (data.n_users, data.n_items, data.n_interactions) == (161, 246, 1811)
    assert (data.n_users, data.n_items) == (reference.n_users, reference.n_items)
    assert data.user_ids == [f"A{int(user):05d}QX" for user in reference.user_ids]
    asins = reference.item_text["asin"]
    assert _sequences(data, data.item_ids) == _sequences(reference, asins)
    title_of = dict(zip(asins, reference.item_text["title"]))
    assert data.item_text["title"][1:] == [title_of[asin] for asin in data.item_ids[1:]]
    assert data.lengths().min() >= 5 and np.bincount(data.items)[1:].min() >= 5
    assert f"{len(_reviews(release)):,}" in result.stdout  # reviews read, in the summary table


def test_2014_categories_and_brand_are_item_text(tmp_path):
    reviews = _gz(tmp_path / "r.json.gz", _reviews(2014))
    meta = write(tmp_path / "meta.json", _meta(2014))  # plain, not gz
    out = tmp_path / "out"
    assert run_cli("data", "prepare", reviews, "--meta", meta, "--out", out).exit_code == 0
    header, first = (out / "items.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert header == "item_id,title,brand,categories"
    assert first.endswith(",B x,Beauty > Nails")  # the tab in brand became a space


def test_duplicates_are_dropped_and_counted(tmp_path):
    lines = _reviews(2014)
    reviews = write(tmp_path / "r.json", lines + lines[:7])
    out = tmp_path / "out"
    result = run_cli("data", "prepare", reviews, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "duplicate (user, item, time) reviews dropped" in result.stdout
    assert re.search(r"reviews dropped\D*(\d+)", result.stdout).group(1) == "7"
    assert (out / "items.csv").read_text().splitlines()[1].endswith(",,,")  # no metadata: empty text


@pytest.mark.parametrize("line, reason", [
    ('{"asin": "x", "unixReviewTime": 1}', "r.json:2: no 'reviewerID' in the review"),
    ('{"reviewerID": "A", "asin": "x", "unixReviewTime": "soon"}', "r.json:2: unixReviewTime 'soon' is not a number"),
    ("__import__('os').getcwd()", "r.json:2: neither JSON nor a Python literal"),
    ("[1, 2]", "r.json:2: expected a record ({...}), got a list"),
])
def test_bad_lines_are_exit_2_with_file_and_line(tmp_path, line, reason):
    reviews = write(tmp_path / "r.json", [_reviews(2018)[0], line])
    result = run_cli("data", "prepare", reviews, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith(reason)
    assert not (tmp_path / "out").exists()


def test_a_core_that_keeps_nothing_is_exit_2(tmp_path):
    reviews = write(tmp_path / "r.json", _reviews(2018)[:20])  # 20 of 17,115: no item has 5 reviews
    result = run_cli("data", "prepare", reviews, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "r.json: the 5-core keeps none of the 20 reviews; lower --min-core" in result.stderr
