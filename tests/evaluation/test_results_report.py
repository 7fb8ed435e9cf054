"""`sracl report`: the markdown results table and paired t-tests from run records, and `--update` of a block."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import stats

from helpers import run_cli, write_recipe
from sracl_cli.evaluation.results_report import load_spec, render, update_block

SEEDS = [1, 2, 3]
RUNS = {  # hr@20 per seed; ndcg@20 is half of it
    "none": [0.100, 0.110, 0.105],
    "cl4srec": [0.120, 0.118, 0.122],
    "sracl": [0.130, 0.127, 0.131],
}
SPEC = """
name = "toy"
metrics = ["hr@20", "ndcg@20"]
rows = [
  {label = "plain", recipe = "r/none.toml", run = "runs/none"},
  {label = "CL4SRec", recipe = "r/cl4srec.toml", run = "runs/cl4srec"},
  {label = "SRA-CL", recipe = "r/sracl.toml", run = "runs/sracl"},
]
comparisons = [
  {b = "SRA-CL", a = "plain"},
  {b = "SRA-CL", a_best_of = ["plain", "CL4SRec"]},
]
"""


def _records(folder: Path) -> Path:
    for name, hr in RUNS.items():
        run = folder / "runs" / name
        run.mkdir(parents=True)
        metrics = {m: {"values": v, "seeds": SEEDS} for m, v in (("hr@20", hr), ("ndcg@20", [x / 2 for x in hr]))}
        (run / "summary.json").write_text(json.dumps({"seeds": SEEDS, "metrics": metrics}))
    return write_recipe(folder, SPEC, "report.toml")


def test_the_table_shows_mean_and_sample_std_and_links_recipe_and_record(tmp_path):
    block = render(load_spec(_records(tmp_path)), tmp_path / "docs")
    lines = block.splitlines()
    assert lines[0] == "| run | seeds | HR@20 | NDCG@20 | recipe | record |"
    hr = RUNS["sracl"]
    expected = f"{np.mean(hr):.4f} ± {np.std(hr, ddof=1):.4f}"
    assert lines[4] == f"| SRA-CL | 3 | {expected} | {np.mean(hr) / 2:.4f} ± {np.std(hr, ddof=1) / 2:.4f} | " \
                       "[sracl.toml](../r/sracl.toml) | [sracl](../runs/sracl) |"


def test_comparisons_are_paired_t_tests_and_best_of_picks_the_best_reference(tmp_path):
    block = render(load_spec(_records(tmp_path)), tmp_path)
    rows = [line.split(" | ") for line in block.splitlines() if line.startswith("| SRA-CL | ")]
    by_reference = {(row[1], row[2]): row for row in rows}
    t, p = stats.ttest_rel(RUNS["sracl"], RUNS["none"])
    plain = by_reference[("plain", "HR@20")]
    assert plain[6:8] == [f"{t:.2f}", f"{p:.3g}"] and plain[8] == "3 |"
    assert plain[5] == f"{(np.mean(RUNS['sracl']) - np.mean(RUNS['none'])) / np.mean(RUNS['none']):+.1%}"
    best = [row for key, row in by_reference.items() if key[0].startswith("CL4SRec (best of plain, CL4SRec")]
    t, p = stats.ttest_rel(RUNS["sracl"], RUNS["cl4srec"])
    assert len(best) == 2 and best[0][6:8] == [f"{t:.2f}", f"{p:.3g}"]


def test_update_rewrites_only_the_named_block(tmp_path):
    spec = _records(tmp_path)
    doc = tmp_path / "RESULTS.md"
    doc.write_text(
        "# Results\nprose before\n<!-- report: toy -->\nold numbers\n<!-- end report: toy -->\nprose after\n"
    )
    result = run_cli("report", spec, "--update", doc)
    assert result.exit_code == 0, result.stderr
    text = doc.read_text()
    assert text.startswith("# Results\nprose before\n<!-- report: toy -->\n| run | seeds |")
    assert "old numbers" not in text and text.endswith("<!-- end report: toy -->\nprose after\n")
    assert update_block(doc, "toy", render(load_spec(spec), tmp_path)) == text  # a second update changes nothing


def test_bad_spec_and_missing_block_are_usage_errors(tmp_path):
    spec = _records(tmp_path)
    spec.write_text(SPEC.replace('b = "SRA-CL", a = "plain"', 'b = "SRA-CL", a = "nobody"'))
    result = run_cli("report", spec)
    expected = "report.toml: (top level): comparisons name labels that are not rows: ['nobody']"
    assert result.exit_code == 2 and expected in result.stderr
    spec.write_text(SPEC)
    doc = tmp_path / "RESULTS.md"
    doc.write_text("no block here\n")
    result = run_cli("report", spec, "--update", doc)
    assert result.exit_code == 2 and "no block '<!-- report: toy -->'" in result.stderr
    assert doc.read_text() == "no block here\n"


def test_every_report_block_in_docs_results_is_what_sracl_report_makes():
    repo = Path(__file__).resolve().parents[2]
    results = repo / "docs" / "RESULTS.md"
    specs = sorted((repo / "recipes" / "repro").glob("*/*report.toml"))
    assert specs and results.is_file()
    for spec_path in specs:
        spec = load_spec(spec_path)
        assert update_block(results, spec.name, render(spec, results.parent)) == results.read_text(), spec_path
