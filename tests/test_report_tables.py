"""Paper tables: intervals, verdicts and the ordering statement on a small results frame."""

import numpy as np
import pandas as pd
import pytest

from benchmarks.report.tables import build_table, estimate, ordering_statement, verdict

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
    assert verdict(est, 0.5) == "better"
    assert verdict(est, 0.99) == "worse"
    assert verdict(None, 0.9) == "data not available"
    assert verdict(est, 0.9, not_public=True) == "data not public"


def test_build_table_places_ours_beside_paper():
    frame = build_table(SPEC, results({"a": [0.89, 0.9, 0.91], "b": [0.6, 0.61, 0.62]}))
    assert frame["Covertype: verdict"].tolist() == ["reproduced", "worse", "data not available"]
    assert frame.loc[2, "Covertype: ours"] == "-"


def test_ordering_statement_detects_a_swap():
    holds = ordering_statement(SPEC, results({"a": [0.9, 0.91], "b": [0.8, 0.81]}), "v")
    swapped = ordering_statement(SPEC, results({"a": [0.7, 0.71], "b": [0.8, 0.81]}), "v")
    assert "holds" in holds[0] and "does not hold" not in holds[0]
    assert "does not hold" in swapped[0]
