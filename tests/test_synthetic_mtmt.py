"""The synthetic MTMT trial: balanced arms, the documented base rates, low-rank arm increments on top of
a common base effect, and negative controls that have neither."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import suites
from datasets import synthetic_mtmt
from datasets.base import DataError


def increments_rank(data) -> int:
    """Rank across arms of the continuous task's increments (effect minus the common effect)."""
    increments = data.tau[:, :, 2] - data.meta["common_effect"][:, 2:3]
    return int(np.linalg.matrix_rank(increments.astype(np.float64), tol=1e-4))


def test_arms_are_balanced_and_rates_are_as_documented():
    data = synthetic_mtmt.generate(n_arms=4, rows_per_arm=3000, seed=1)
    assert data.X.shape == (15000, 20) and data.tau.shape == (15000, 4, 3) and data.n_outcomes == 3
    assert np.bincount(data.treatment).tolist() == [3000] * 5
    control = data.treatment == 0
    assert abs(data.y[control, 0].mean() - 0.25) < 0.05 and abs(data.y[control, 1].mean() - 0.08) < 0.03
    assert set(np.unique(data.y[:, :2])) == {0.0, 1.0} and len(np.unique(data.y[:, 2])) > 100
    correlation = np.corrcoef(data.X[:, 0], data.X[:, 1])[0, 1]
    assert abs(correlation - 0.3) < 0.05


def test_increments_have_rank_two_across_arms_and_scale_with_gamma():
    data = synthetic_mtmt.generate(n_arms=8, rows_per_arm=500, gamma=0.3, seed=2)
    assert increments_rank(data) == 2
    assert data.meta["common_effect"][:, 2].mean() > 0.3
    big = synthetic_mtmt.generate(n_arms=8, rows_per_arm=500, gamma=1.0, seed=2)
    ratio = np.std(big.tau[:, :, 2] - big.meta["common_effect"][:, 2:3]) / np.std(
        data.tau[:, :, 2] - data.meta["common_effect"][:, 2:3]
    )
    assert abs(ratio - 1.0 / 0.3) < 0.01


def test_negative_controls_share_nothing():
    independent = synthetic_mtmt.generate(n_arms=8, rows_per_arm=500, increments="independent", seed=2)
    assert increments_rank(independent) == 8 and not independent.meta["common_effect"].any()
    orthogonal = synthetic_mtmt.generate(n_arms=4, rows_per_arm=2000, tasks="orthogonal", seed=2)
    shared = synthetic_mtmt.generate(n_arms=4, rows_per_arm=2000, seed=2)

    def task_correlation(data):
        return abs(np.corrcoef(data.meta["common_effect"][:, 0], data.meta["common_effect"][:, 2])[0, 1])

    assert task_correlation(orthogonal) < 0.1 < task_correlation(shared)


def test_same_seed_same_trial_and_bad_options_are_data_errors():
    a, b = (synthetic_mtmt.load(None, n_arms=2, rows_per_arm=50, seed=5) for _ in range(2))
    np.testing.assert_array_equal(a.X, b.X) and np.testing.assert_array_equal(a.y, b.y)
    with pytest.raises(DataError):
        synthetic_mtmt.load(None, increments="random")
    with pytest.raises(DataError):
        synthetic_mtmt.load(None, n_arms=0)


def script(name: str):
    """A module of scripts/ (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).parent.parent / "scripts" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_averages_pehe_over_arms_and_tasks_and_leaves_failed_cells_out():
    report = script("synthetic_mtmt")
    design = report.designs(suites.load("synthetic-mtmt"))
    assert {"low-rank/shared", "independent/shared", "low-rank/orthogonal"} <= set(design["structure"])
    row = {"dataset": "mtmt-K2-n1000-g0.3", "method": "mtmt", "status": "ok"}
    pehe = [
        {**row, "seed": 0, "arm": arm, "outcome": task, "metric": "pehe", "variant": "rmse", "value": value}
        for (arm, task), value in zip(
            [("arm1", "binary25"), ("arm1", "continuous"), ("arm2", "binary25"), ("arm2", "continuous")],
            [0.1, 0.3, 0.2, 0.6],
            strict=True,
        )
    ]
    qini = [
        {
            **row,
            "seed": 0,
            "arm": arm,
            "outcome": "binary25",
            "metric": "qini",
            "variant": "sklift",
            "value": v,
        }
        for arm, v in (("mean", 0.04), ("arm1", 0.5))
    ]
    failed = [
        {**row, "seed": 1, "status": "error", "arm": None, "outcome": None, "metric": None, "value": 9.0}
    ]
    seeds = report.per_seed(pd.DataFrame(pehe + qini + failed), design)
    assert len(seeds) == 1 and seeds["seed"].tolist() == [0]
    first = seeds.iloc[0]
    assert first["pehe"] == pytest.approx(0.3) and first["qini"] == pytest.approx(0.04)
    assert first["pehe:binary25"] == pytest.approx(0.15) and first["pehe:continuous"] == pytest.approx(0.45)
    assert (first["arms"], first["rows_per_arm"], first["gamma"]) == (2, 1000, 0.3)


def test_base_correlation_matches_rows_by_index_and_is_nan_without_a_common_effect():
    report = script("synthetic_mtmt")
    truth = np.column_stack([np.arange(10.0), np.zeros(10)])
    predictions = pd.DataFrame(
        {"row": [7, 2, 5, 9], "base:a": [1.5, 0.0, 1.0, 2.0], "base:b": [1.0, 2, 3, 4]}
    )
    correlation = report.base_correlation(predictions, truth, ["a", "b"])
    assert correlation["a"] == pytest.approx(np.corrcoef([1.5, 0, 1, 2], [7, 2, 5, 9])[0, 1])
    assert np.isnan(correlation["b"])


def test_stop_gradient_rule_needs_a_paired_interval_clear_of_zero():
    choose = script("choose_stop_gradient")
    assert choose.decide(np.array([0.010, 0.012, 0.011, 0.009, 0.010]), lower_is_better=False)[0]
    assert not choose.decide(np.array([0.010, -0.012, 0.011, -0.009, 0.010]), lower_is_better=False)[0]
    assert choose.decide(np.array([-0.010, -0.012, -0.011, -0.009, -0.010]), lower_is_better=True)[0]
    assert not choose.decide(np.array([0.010, 0.012, 0.011, 0.009, 0.010]), lower_is_better=True)[0]
    assert not choose.decide(np.array([0.5]), lower_is_better=False)[0]


def test_paired_differences_are_per_seed_and_skip_designs_without_mtmt():
    report = script("synthetic_mtmt")
    design = {"structure": "low-rank/shared", "rows_per_arm": 1000, "gamma": 0.3}
    seeds = pd.DataFrame(
        [
            {**design, "arms": 8, "seed": s, "method": m, "pehe": v}
            for s, m, v in [(0, "mtmt", 0.10), (0, "tarnet", 0.12), (1, "mtmt", 0.30), (1, "tarnet", 0.33)]
        ]
        + [{**design, "arms": 2, "seed": 0, "method": "tarnet", "pehe": 0.2}]
    )
    table = report.paired(seeds)
    assert table["arms"].tolist() == [8]
    assert table["tarnet"].iloc[0].startswith("-0.0250 ± ")


def test_the_floor_verdict_needs_a_paired_interval_clear_of_zero():
    report = script("synthetic_mtmt")
    design = {"structure": "low-rank/shared", "arms": 4, "rows_per_arm": 1000, "gamma": 0.3}
    floor = [0.110, 0.120, 0.130]
    pehe = {
        "difference-in-means": floor,
        "tarnet": [f - 0.02 for f in floor],  # lower on every seed by the same amount: beats
        "mtmt": [floor[0] + 0.03, floor[1] - 0.03, floor[2] + 0.01],  # either side: level
        "tlearner-lgbm": [f + 0.1 for f in floor],  # higher on every seed: worse
    }
    seeds = pd.DataFrame(
        [{**design, "seed": s, "method": m, "pehe": v[s]} for m, v in pehe.items() for s in range(3)]
    )
    verdicts, counts = report.against_floor(seeds)
    assert counts.set_index("method").loc["tarnet", "beats"] == 1
    assert counts.set_index("method").loc["mtmt", "level"] == 1
    assert counts.set_index("method").loc["tlearner-lgbm", "worse"] == 1
    assert "difference-in-means" not in verdicts.columns
    assert verdicts.loc[0, "tarnet"].endswith("(beats)") and "(" not in verdicts.loc[0, "mtmt"]
    assert report.against_floor(seeds[seeds["method"] != "difference-in-means"])[0].empty


def test_report_draws_the_claims_three_figures_from_a_committed_run(tmp_path):
    from benchmarks.report import build

    committed = Path(__file__).resolve().parent.parent / "results" / "synthetic-mtmt"
    written = build([str(committed)], tmp_path / "out", reference=False)
    names = {p.name for p in written}
    for figure in ("pehe", "structure", "base-correlation"):
        assert f"synthetic-mtmt-{figure}.png" in names
    assert "synthetic-mtmt-pehe.png" in (tmp_path / "out" / "synthetic-mtmt.html").read_text()
