"""Paper tables: intervals, verdicts and the ordering statement on a small results frame."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.report.tables import (
    TOLERANCE,
    build_table,
    claim_statements,
    estimate,
    ordering_statement,
    table_notes,
    verdict,
)

SPEC = {
    "id": "toy",
    "title": "Toy",
    "metric": "aucc",
    "variant": "v",
    "columns": [{"label": "Covertype", "suite": "s", "dataset": "covertype"}],
    "rows": [
        {"name": "A", "ours": ["a"], "paper": [0.9]},
        {"name": "B", "ours": ["b"], "paper": [0.8]},
        {"name": "C", "ours": ["missing"], "paper": [0.7]},
    ],
}


def results(values):
    rows = []
    for method, per_seed in values.items():
        for seed, value in enumerate(per_seed):
            rows.append(
                dict(
                    suite="s",
                    dataset="covertype",
                    method=method,
                    seed=seed,
                    split="test",
                    status="ok",
                    arm="mean",
                    outcome="value",
                    metric="aucc",
                    variant="v",
                    value=value,
                )
            )
    return pd.DataFrame(rows)


def test_estimate_is_mean_with_t_interval():
    est = estimate(np.array([1.0, 2.0, 3.0]))
    assert est.mean == pytest.approx(2.0)
    assert est.high - est.mean == pytest.approx(4.302653 * 1 / np.sqrt(3), rel=1e-5)
    assert estimate(np.array([5.0])).low is None


def test_verdicts():
    est = estimate(np.array([0.88, 0.9, 0.92]))
    assert verdict(est, 0.9) == "reproduced"
    assert verdict(est, 0.5) == "above"
    assert verdict(est, 0.99) == "below"
    assert verdict(None, 0.9) == "data not available"
    assert verdict(est, 0.9, not_public=True) == "data not public"
    assert verdict(est, 0.5, baseline=True) == "baseline, no verdict"
    assert verdict(est, None) == "no paper number"
    assert verdict(estimate(np.array([0.9, 0.9])), 0.9) == "too few seeds"


def test_a_tight_interval_still_reproduces_within_the_tolerance():
    tight = estimate(np.array([0.900, 0.901, 0.902]))
    assert verdict(tight, 0.901 + TOLERANCE - 0.001, tolerance=TOLERANCE) == "reproduced"
    assert verdict(tight, 0.901 + TOLERANCE + 0.002, tolerance=TOLERANCE) == "below"
    assert verdict(tight, 0.901 + 0.005) == "below"  # no tolerance unless the table sets one


def test_build_table_places_ours_beside_paper():
    frame = build_table(SPEC, results({"a": [0.89, 0.9, 0.91], "b": [0.6, 0.61, 0.62]}))
    assert frame["Covertype: verdict"].tolist() == ["reproduced", "below", "data not available"]
    assert frame.loc[2, "Covertype: ours"] == "-"


def test_ordering_statement_detects_a_swap():
    holds = ordering_statement(SPEC, results({"a": [0.9, 0.91], "b": [0.8, 0.81]}), "v")
    swapped = ordering_statement(SPEC, results({"a": [0.7, 0.71], "b": [0.8, 0.81]}), "v")
    assert "holds" in holds[0] and "does not hold" not in holds[0]
    assert "does not hold" in swapped[0]


def test_claims_compare_the_paper_text_its_table_and_ours_paired_by_seed():
    spec = {**SPEC, "claims": [{"better": "A", "than": "B", "column": "Covertype", "paper": 0.2}]}
    lines = claim_statements(spec, results({"a": [0.9, 1.0, 1.1], "b": [0.75, 0.8, 0.9]}), "v")
    assert "paper's claim +20.0%" in lines[0]
    assert "from the paper's table +12.5%" in lines[0]  # 0.9 / 0.8 - 1
    gains = np.array([0.9 / 0.75, 1.0 / 0.8, 1.1 / 0.9]) - 1
    assert f"ours {gains.mean():+.1%}" in lines[0] and "over 3 paired seeds" in lines[0]
    missing = claim_statements(spec, results({"a": [0.9, 1.0]}), "v")
    assert "not available" in missing[0]


def test_notes_state_the_verdict_rule():
    notes = table_notes({**SPEC, "variants_from_headline": True}, results({"a": [0.9], "b": [0.8]}), "v")
    assert any("ordering" in n for n in notes)
    assert notes[-1].startswith("Verdict: 'reproduced' when the paper's number lies inside our 95%")
