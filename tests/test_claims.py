"""The claims scorecard: verdicts computed by hand on tiny results frames, missing rows named with their
file, the scorecard in paper/claims.md and first on index.html, and the README's table equal to it."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.report import find_results, load_results
from benchmarks.report.claims import evaluate, scorecard_markdown

ROOT = Path(__file__).resolve().parent.parent
README_BLOCK = re.compile(r"<!-- claims: begin -->\n(.*?)<!-- claims: end -->", re.S)

ROWS = """
[names]
a = "A"
b = "B"
c = "C"

[rows.toy]
suite = "toy"
dataset = "covertype"
metric = "aucc"
variant = "hcl-code"
outcome = "value"

[rows.errors]
suite = "toy"
dataset = "covertype"
metric = "pehe"
variant = "rmse"
lower_is_better = true
"""


def claims_file(tmp_path: Path, *claims: str) -> Path:
    path = tmp_path / "claims.toml"
    path.write_text(ROWS + "".join(f"\n[[claim]]\n{c}\n" for c in claims))
    return path


def claim(test: str, rows: str = "toy", **fields) -> str:
    lines = [f'statement = "{test} claim"', 'source = "a table"', f'rows = "{rows}"', f'test = "{test}"']
    for key, value in fields.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines)


def frame(values: dict[tuple[str, str], list[float]], metric="aucc", variant="hcl-code", outcome="value"):
    """Result rows of suite toy: per (dataset, method) one test value per seed 0, 1, 2, ..."""
    rows = [
        dict(suite="toy", dataset=dataset, method=method, seed=seed, split="test", status="ok", arm="mean",
             outcome=outcome, metric=metric, variant=variant, value=value, source="runs/toy")
        for (dataset, method), per_seed in values.items()
        for seed, value in enumerate(per_seed)
    ]  # fmt: skip
    return pd.DataFrame(rows)


# Per seed a - b = 0.10, 0.12, 0.09: mean 0.10333, sd 0.015275, half-width t(0.975, 2) 4.302653 x sd / sqrt 3
# = 0.037946, so the 95% interval is [0.0654, 0.1413]: clear of 0, and it holds 0.12 but not 0.2.
A, B = [0.50, 0.60, 0.55], [0.40, 0.48, 0.46]


@pytest.mark.parametrize(
    ("paper", "expected"), [(0.12, "holds; size reproduced"), (0.2, "holds; size below")]
)
def test_a_paired_difference_gives_the_verdict_computed_by_hand(tmp_path, paper, expected):
    path = claims_file(tmp_path, claim("paired", scale="difference", better="a", than="b", paper=paper))
    (scored,) = evaluate(frame({("covertype", "a"): A, ("covertype", "b"): B}), path)
    assert scored.ours == "+0.1033 ± 0.0379 (n=3)"
    assert scored.verdict == expected and scored.paper == f"+{paper:.3f}"


def test_a_paired_claim_on_an_error_metric_is_reversed_when_the_claimed_winner_errs_more(tmp_path):
    path = claims_file(
        tmp_path, claim("paired", rows="errors", scale="difference", better="a", than="b", paper=0.05)
    )
    rows = frame({("covertype", "a"): A, ("covertype", "b"): B}, metric="pehe", variant="rmse")
    (scored,) = evaluate(rows, path)
    assert scored.ours == "-0.1033 ± 0.0379 (n=3)" and scored.verdict.startswith("reversed")


def test_a_relative_claim_on_private_data_tests_only_its_direction(tmp_path):
    path = claims_file(
        tmp_path,
        claim("paired", scale="relative", better="a", than="b", paper=0.5, paper_data="private"),
    )
    (scored,) = evaluate(frame({("covertype", "a"): [1.2, 1.1, 1.3], ("covertype", "b"): [1, 1, 1]}), path)
    # gains 0.2, 0.1, 0.3: mean 0.2, sd 0.1, half-width 4.302653 x 0.1 / sqrt 3 = 0.2484: includes 0
    assert scored.ours == "+20.0% ± 24.8% (n=3)"
    assert scored.paper == "+50.0% (private data)" and scored.verdict == "not shown"


def test_an_ordering_holds_only_when_every_pair_is_clearly_in_the_papers_order(tmp_path):
    path = claims_file(tmp_path, claim("ordering", methods=["a", "b", "c"]))
    c_low = [0.30, 0.35, 0.33]  # b - c = 0.10, 0.13, 0.13: clear of 0; a - c clear too
    (holds,) = evaluate(
        frame({("covertype", "a"): A, ("covertype", "b"): B, ("covertype", "c"): c_low}), path
    )
    assert holds.verdict == "holds" and holds.paper == "A > B > C"
    assert holds.ours == "A > B > C (n=3; 3 of 3 pairs clearly in the paper's order, 0 clearly reversed)"
    c_high = [0.60, 0.70, 0.66]  # c - b = 0.20, 0.22, 0.20: clearly above b; c - a = 0.10, 0.10, 0.11
    (fails,) = evaluate(
        frame({("covertype", "a"): A, ("covertype", "b"): B, ("covertype", "c"): c_high}), path
    )
    assert fails.verdict == "does not hold"
    assert fails.ours.startswith(
        "C > A > B (n=3; 1 of 3 pairs clearly in the paper's order, 2 clearly reversed"
    )


def test_a_trend_is_the_per_seed_slope_of_the_advantage_over_log2_k(tmp_path):
    points = '\npoints = [{ x = 2, dataset = "k2" }, { x = 4, dataset = "k4" }]'
    path = claims_file(tmp_path, claim("trend", rows="errors", better="a", than="b") + points)
    # PEHE: b - a is 0 at K = 2 and 0.10, 0.12, 0.09 at K = 4, one doubling apart: the slope of the paired
    # example above
    errors = {("k2", "a"): [0.5] * 3, ("k2", "b"): [0.5] * 3, ("k4", "a"): B, ("k4", "b"): A}
    (scored,) = evaluate(frame(errors, metric="pehe", variant="rmse"), path)
    assert scored.ours == "+0.1033 ± 0.0379 (n=3) per doubling of K" and scored.verdict == "holds"


def test_a_claim_whose_rows_are_missing_names_the_file_that_lacks_them(tmp_path):
    path = claims_file(
        tmp_path,
        claim("interval", method="c", paper=0.9),
        claim("ordering", methods=["a", "b"]).replace('rows = "toy"', 'rows = "absent"'),
    )
    path.write_text(path.read_text() + '\n[rows.absent]\nsuite = "no-such-suite"\ndataset = "x"\n'
                    'metric = "aucc"\nvariant = "hcl-code"\n')  # fmt: skip
    missing_method, missing_suite = evaluate(frame({("covertype", "a"): A}), path)
    assert missing_method.verdict == "data not available (no c rows on covertype in runs/toy/results.parquet)"
    assert missing_method.ours == "-" and missing_method.paper == "0.900"
    assert missing_suite.verdict == "data not available (results/no-such-suite/results.parquet not found)"
    assert missing_suite.paper == "A > B"


def test_report_writes_the_scorecard_to_claims_md_and_first_on_the_index(tmp_path):
    run = tmp_path / "results" / "hcl-covertype"
    run.mkdir(parents=True)
    rows = frame({("covertype", "crm"): A, ("covertype", "rlearner-duality"): B}).drop(columns="source")
    environment = dict(git_commit="abc1234", git_dirty=False, library_versions="{}", device="cpu")
    rows = rows.assign(suite="hcl-covertype", params="{}", tuned=False, fold=0, fit_seconds=1.0,
                       predict_seconds=0.1, n_train=100, n_test=50, reason="", timestamp="2026-12-07",
                       **environment)  # fmt: skip
    rows.to_parquet(run / "results.parquet")
    paper = tmp_path / "paper"
    assert main(["report", "--runs", str(run), "--out", str(paper)]) == 0
    claims_md = (paper / "claims.md").read_text()
    assert "| Covertype: CRM's AUCC above the duality R-learner's by 17.9% |" in claims_md
    assert "+23.2% ± " in claims_md  # mean of 0.5/0.4, 0.6/0.48, 0.55/0.46, minus 1
    assert "data not available (results/mtmt-criteo/results.parquet not found)" in claims_md
    index = (paper / "index.html").read_text()
    assert index.index("<h2") == index.index('<h2 id="claims">')
    assert index.index('id="claims"') < index.index('id="hcl-aucc"')
    assert '<a href="hcl-covertype.html">hcl-covertype</a>' in index


def test_the_readme_scorecard_is_the_one_report_generates_from_results():
    readme = (ROOT / "README.md").read_text()
    block = README_BLOCK.search(readme)
    assert block, "README.md has no block between <!-- claims: begin --> and <!-- claims: end -->"
    generated = scorecard_markdown(evaluate(load_results(find_results([str(ROOT / "results" / "*")]))))
    assert block.group(1) == generated, (
        "README.md's claims table differs from the scorecard of results/*: "
        "`python scripts/readme_scorecard.py` rewrites it"
    )
