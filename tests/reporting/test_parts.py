"""The page's parts on their own: length groups, curve panels from a recorded run, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sracl_cli.reporting import html
from sracl_cli.reporting.curves import curve_panels, kept_epochs
from sracl_cli.reporting.length_groups import by_length, group_labels, mean_over_seeds, parse_starts

RECORD = Path(__file__).resolve().parents[2] / "docs" / "results" / "scientific" / "cl4srec"


def test_the_paper_groups_and_other_bounds_are_labelled_by_their_interactions():
    assert group_labels((7, 11)) == ["< 7", "7–10", "> 10"]
    assert group_labels((5, 6, 20)) == ["< 5", "5", "6–19", "> 19"]
    assert parse_starts("7,11") == (7, 11)
    for bad in ("11,7", "7,7", "0,3", "7,x", ""):
        with pytest.raises(ValueError):
            parse_starts(bad)


def test_groups_split_users_by_length_and_take_the_metrics_of_their_own_ranks():
    lengths = np.array([3, 6, 7, 10, 11, 40])
    ranks = np.array([0, 25, 1, 25, 4, 25])  # 25: not in the top 20
    rows = by_length(ranks, lengths, (7, 11), [1, 5])
    assert [(r["group"], r["users"]) for r in rows] == [("< 7", 2), ("7–10", 2), ("> 10", 2)]
    assert [r["metrics"]["hr@1"] for r in rows] == [0.5, 0.0, 0.0]
    assert [r["metrics"]["hr@5"] for r in rows] == [0.5, 0.5, 0.5]
    assert rows[1]["metrics"]["mrr@5"] == pytest.approx(0.25) and rows[2]["metrics"]["mrr@5"] == pytest.approx(0.1)
    assert rows[1]["metrics"]["ndcg@5"] == pytest.approx(0.5 / np.log2(3))
    empty = by_length(ranks, lengths, (2, 3), [5])[1]
    assert empty == {"group": "2", "users": 0, "metrics": None}


def test_the_mean_over_seeds_is_taken_group_by_group():
    lengths = np.array([3, 9, 9])
    first = by_length(np.array([0, 0, 9]), lengths, (7,), [1])
    second = by_length(np.array([9, 0, 0]), lengths, (7,), [1])
    rows = mean_over_seeds({1: first, 2: second})
    assert [r["metrics"]["hr@1"] for r in rows] == [0.5, 0.75]


def test_curve_panels_of_a_recorded_run_hold_every_loss_component_and_the_validation_metric():
    history = json.loads((RECORD / "seeds" / "seed-2024" / "train" / "history.json").read_text())
    panels = curve_panels({2024: history}, "mrr@10")
    assert list(panels) == ["loss", "loss: rec", "loss: cl", "valid mrr@10"]
    epochs, values = panels["loss: cl"][2024]
    assert epochs == [e["epoch"] for e in history] and values == [e["losses"]["cl"] for e in history]
    assert panels["valid mrr@10"][2024][1] == [e["valid"]["mrr@10"] for e in history]
    best = [e["epoch"] for e in history if e["best"]]
    assert kept_epochs({2024: history}) == {2024: best[-1]} and best[-1] < len(history)  # early stopping waited


def test_text_and_cells_are_escaped_and_only_markup_built_here_passes_as_it_is():
    hostile = '<img src=x onerror="alert(1)"> & co'
    cell = html.table(["h"], [(hostile, html.ordered([hostile]))], numeric_from=2)
    assert "<img" not in cell and cell.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co") == 2
    assert "<ol><li>" in cell
    assert "<h1>&lt;b&gt;</h1>" in html.document("<b>", [])
