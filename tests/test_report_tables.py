"""Paper tables: intervals, verdicts and the ordering statement on a small results frame."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.report import write_table
from benchmarks.report.tables import (
    OTHER_METHODS,
    build_table,
    claim_statements,
    estimate,
    ordering_statement,
    table_notes,
    table_specs,
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


def test_reproduced_means_inside_the_interval_and_nothing_else():
    tight = estimate(np.array([0.900, 0.901, 0.902]))  # 95% interval 0.901 ± 0.0025
    assert verdict(tight, 0.9034) == "reproduced"
    assert verdict(tight, 0.9040) == "below"  # the paper's number just above our interval
    assert verdict(tight, 0.8980) == "above"
    assert verdict(estimate(np.array([0.9, 0.91])), 0.5) == "too few seeds"  # an interval, but 2 seeds
    assert verdict(estimate(np.array([0.9])), None) == "no paper number"


def test_the_hcl_table_uses_the_interval_rule_with_no_tolerance():
    """CRM's Covertype AUCC 0.02 above the paper's 0.915 with a tight interval is "above", not
    "reproduced" (the table once added a tolerance of 0.03), and the note states the rule."""
    spec = next(s for s in table_specs() if s["id"] == "hcl-aucc")
    frame = results({"crm": [0.933, 0.935, 0.937], "random": [0.49, 0.5, 0.51]})
    frame["suite"], frame["variant"] = "hcl-covertype", "hcl-code"
    table = build_table(spec, frame, "hcl-code").set_index("method")
    assert table.loc["CRM, 2020 code recipe (paper)", "Covertype: verdict"] == "above"
    assert table.loc["Random", "Covertype: verdict"] == "baseline, no verdict"
    assert table.loc["DRM, 2020 code recipe (paper)", "Covertype: verdict"] == "data not available"
    assert table.loc["CRM, 2020 code recipe (paper)", "US Census: verdict"] == "data not available"
    rule = table_notes(spec, frame, "hcl-code")[-1]
    assert "inside our 95% t-interval over seeds;" in rule and "within" not in rule


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


def test_every_other_method_in_the_results_gets_a_row_in_the_other_methods_block(tmp_path):
    """A user's own method label (and a random ranking not in the spec) is listed after the paper's rows,
    with no paper number, in the frame and in the .md and .tex files; nothing needs configuring."""
    frame = results({"a": [0.9, 0.91, 0.92], "my-own-uplift-model": [0.7, 0.72, 0.74], "random": [0.5] * 3})
    table = build_table(SPEC, frame)
    assert table["method"].tolist() == ["A", "B", "C", OTHER_METHODS, "my-own-uplift-model", "random"]
    mine = table.set_index("method").loc["my-own-uplift-model"]
    assert mine["Covertype: paper"] == "-" and mine["Covertype: ours"].startswith("0.7200 ±")
    assert mine["Covertype: verdict"] == "no paper number"
    assert table.set_index("method").loc["random", "Covertype: verdict"] == "baseline, no verdict"
    md, tex = write_table(table, "Toy", table_notes(SPEC, frame, "v"), tmp_path, "toy")
    for text in (md.read_text(), tex.read_text()):
        assert text.index(OTHER_METHODS) < text.index("my-own-uplift-model")
        assert text.index("A") < text.index(OTHER_METHODS)
    assert "every other method label found in the table's runs" in md.read_text()


def test_no_other_methods_block_when_every_label_is_a_paper_row():
    table = build_table(SPEC, results({"a": [0.9, 0.91, 0.92], "b": [0.8] * 3}))
    assert OTHER_METHODS not in set(table["method"])
    assert build_table(SPEC, results({"b": [0.8] * 3, "other-suite": [0.1] * 3}).assign(suite="x"))[
        "method"
    ].tolist() == ["A", "B", "C"]  # methods of other suites belong to other tables
