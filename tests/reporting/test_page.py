"""`sracl page`: the page of a real quickstart run (two seeds, every stage), checked against the run's own
files, rendered by headless Chromium; pages of records copied without weights; bad input."""

from __future__ import annotations

import json
import shutil
from html import escape
from pathlib import Path

import numpy as np
import pytest
from chromium import dump_dom, image_counts, with_image_check

from helpers import run_cli

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "recipes" / "quickstart.toml"
SEEDS = [7, 2024]
SMALL = ["--set", "data.min_core=4", "--set", "train.epochs=2", "--set", "train.threads=1",
         "--set", f"train.seeds={SEEDS}"]
PACKAGED_ITEMS = REPO / "sracl_cli" / "packaged" / "quickstart" / "items.tsv"
RECORD = REPO / "docs" / "results" / "scientific" / "cl4srec"  # a copied record: JSON only, old recipe keys


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("page") / "quickstart"
    result = run_cli("run", QUICKSTART, "--set", f'output.dir="{out}"', *SMALL)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def page(run) -> tuple[Path, str]:
    result = run_cli("page", run)
    assert result.exit_code == 0, result.stderr
    return run / "page", result.stdout


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_page_folder_holds_the_page_its_curves_and_its_tables(page):
    folder, stdout = page
    assert sorted(p.name for p in folder.iterdir()) == ["curves.png", "index.html", "length_groups.json",
                                                        "neighbours.json"]
    assert (folder / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {folder}/: curves.png, index.html, length_groups.json, neighbours.json" in stdout
    assert "test by sequence length" in stdout and "ranking 296 test users (seed 2024)" in stdout


@pytest.mark.slow
def test_length_groups_partition_the_test_users_and_recombine_into_each_seeds_eval_metrics(run, page):
    groups = _json(page[0] / "length_groups.json")
    assert groups["starts"] == [7, 11] and [g["group"] for g in groups["groups"]] == ["< 7", "7–10", "> 10"]
    lengths = _data(run).lengths()
    expected = [int((lengths < 7).sum()), int(((lengths >= 7) & (lengths <= 10)).sum()), int((lengths > 10).sum())]
    assert [g["users"] for g in groups["groups"]] == expected and sum(expected) == 296
    for seed in SEEDS:
        overall = _json(run / "seeds" / f"seed-{seed}" / "eval" / "metrics.json")["metrics"]
        rows = groups["seeds"][str(seed)]
        for name, value in overall.items():  # group means weighted by group size = the mean over all users
            combined = sum(r["users"] * r["metrics"][name] for r in rows if r["metrics"]) / 296
            assert combined == pytest.approx(value, abs=1e-12), (seed, name)
    for index, row in enumerate(groups["groups"]):
        mean = np.mean([groups["seeds"][str(s)][index]["metrics"]["hr@20"] for s in SEEDS])
        assert row["metrics"]["hr@20"] == pytest.approx(mean)


@pytest.mark.slow
def test_neighbour_examples_are_the_index_tables_rows_by_title(run, page):
    found = _json(page[0] / "neighbours.json")
    data, titles = _data(run), _packaged_titles()
    item_table = np.load(run / "index" / "item_neighbors.npy")
    unit_table = np.load(run / "index" / "user_neighbors.npy")
    counts = [e["interactions"] for e in found["items"]]
    assert len(found["items"]) == 5 and counts == sorted(counts, reverse=True)
    for example in found["items"]:
        assert [n["item"] for n in example["neighbours"]] == item_table[example["item"], :5].tolist()
        assert example["title"] == titles[example["id"]] == titles[data.item_ids[example["item"]]]
        assert [n["title"] for n in example["neighbours"]] == [titles[data.item_ids[n["item"]]]
                                                               for n in example["neighbours"]]
    units = np.load(run / "embed" / "units.npz")
    assert found["unit_mode"] == "user" and len(found["units"]) == 5
    for example in found["units"]:
        assert [n["unit"] for n in example["neighbours"]] == unit_table[example["unit"], :5].tolist()
        start, end = units["start"][example["unit"]], units["end"][example["unit"]]
        assert example["earlier"] + len(example["titles"]) == end - start


@pytest.mark.slow
def test_headless_chromium_renders_the_page_with_every_image_loaded(page, tmp_path):
    folder, _ = page
    dom = dump_dom(with_image_check(folder / "index.html", "check.html"), tmp_path / "profile")
    assert image_counts(dom) == (1, 1)
    for heading in ("Test metrics", "Training curves", "Test metrics by sequence length", "Semantic neighbours"):
        assert f"<h2>{heading}</h2>" in dom
    assert 'class="missing"' not in dom
    first = _json(folder / "neighbours.json")["items"][0]
    assert escape(first["neighbours"][0]["title"], quote=False) in dom
    # the check itself fails on a broken image
    broken = with_image_check(folder / "index.html", "broken.html", '<img src="absent.png" alt="">')
    assert image_counts(dump_dom(broken, tmp_path / "profile-2")) == (2, 1)


@pytest.mark.slow
def test_a_recipe_names_its_run(run, page, tmp_path):
    recipe = tmp_path / "again.toml"
    shutil.copyfile(run / "recipe.resolved.toml", recipe)  # a resolved recipe is a recipe naming this run
    assert run_cli("page", recipe, "--out", tmp_path / "page").exit_code == 0
    assert (tmp_path / "page" / "index.html").read_bytes() == (page[0] / "index.html").read_bytes()


@pytest.mark.slow
def test_every_title_is_escaped(run, page, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("page"))
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    most_popular = _json(page[0] / "neighbours.json")["items"][0]["id"]  # shown on the page for sure
    lines = PACKAGED_ITEMS.read_text(encoding="utf-8").splitlines()
    lines = [f"{most_popular}\t{line.split(chr(9))[1]}\t{hostile}" if line.split("\t")[0] == most_popular else line
             for line in lines]
    items = tmp_path / "items.tsv"
    items.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resolved = copy / "recipe.resolved.toml"
    text = resolved.read_text(encoding="utf-8")
    packaged_items = [line for line in text.splitlines() if line.startswith("items = ")][0]
    resolved.write_text(text.replace(packaged_items, f"items = {json.dumps(str(items))}"), encoding="utf-8")
    assert run_cli("page", copy).exit_code == 0
    written = (copy / "page" / "index.html").read_text(encoding="utf-8")
    assert hostile not in written and "<script>" not in written and "<b>bold</b>" not in written
    assert escape(hostile) in written


def test_a_record_without_weights_gets_curves_and_metrics_and_says_what_is_missing(tmp_path):
    out = tmp_path / "page"
    result = run_cli("page", RECORD, "--out", out)
    assert result.exit_code == 0, result.stderr
    written = (out / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "index.html"]
    summary = _json(RECORD / "summary.json")
    assert f"{summary['metrics']['hr@20']['mean']:.4f}" in written
    assert written.count('class="missing"') == 2
    assert f"needs the run&#x27;s weights: {RECORD}/seeds/seed-2024/train/model.pt, " in written
    assert f"{RECORD}/index/item_neighbors.npy, {RECORD}/index/user_neighbors.npy, " in written
    assert '<img src="curves.png"' in written


def test_bad_input_is_exit_2_naming_it_and_writes_nothing(tmp_path):
    result = run_cli("page", RECORD, "--out", tmp_path / "p", "--length-groups", "11,7")
    assert result.exit_code == 2 and "--length-groups: '11,7'" in result.stderr
    result = run_cli("page", tmp_path)
    assert result.exit_code == 2 and f"{tmp_path}: not a run directory" in result.stderr
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    result = run_cli("page", RECORD, "--out", taken)
    assert result.exit_code == 2 and "is not a run page" in result.stderr
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_page_is_replaced_whole_by_the_next_one(tmp_path):
    out = tmp_path / "page"
    assert run_cli("page", RECORD, "--out", out).exit_code == 0
    first = (out / "index.html").read_bytes(), (out / "curves.png").read_bytes()
    (out / "stale.png").write_bytes(b"old")
    assert run_cli("page", RECORD, "--out", out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "index.html"]
    assert ((out / "index.html").read_bytes(), (out / "curves.png").read_bytes()) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page"]


def _data(run: Path):
    from sracl_cli.data.load import load_dataset
    from sracl_cli.reporting.record import open_run

    return load_dataset(open_run(run).recipe)


def _packaged_titles() -> dict[str, str]:
    """Source item id -> title (an item without one is named by its id), read straight from the packaged file."""
    rows = [line.split("\t") for line in PACKAGED_ITEMS.read_text(encoding="utf-8").splitlines()[1:]]
    return {row[0]: row[2] if len(row) > 2 and row[2] else f"item {row[0]}" for row in rows}
