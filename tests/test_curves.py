"""Curve points stored beside each cell's rows: written for every finished cell, gathered into
curves.parquet, equal in area to the metric rows, and never left by a killed cell as a finished one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks import store as store_module
from benchmarks.cli import main
from benchmarks.curves import GRID, cell_curves
from benchmarks.store import ResultsStore
from metrics.areas import trapezoid
from metrics.curves import perfect_qini_binary, qini_values
from metrics.multiarm import arm_rows
from tests.suite_runs import run_suite

EFFECT_SUITE = """
kind = "effect"
seeds = 2
trials = 0

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 3000, n_arms = 2, n_outcomes = 2, n_features = 5, seed = 3 }

[[methods]]
name = "random"

[[methods]]
name = "tlearner-ridge"
"""
COST_SUITE = """
kind = "cost"
seeds = 2
trials = 0

[[datasets]]
name = "synthetic"
label = "tiny-cost"
options = { n_rows = 3000, n_arms = 1, n_outcomes = 1, n_features = 6, with_cost = true, seed = 2 }

[[methods]]
name = "random"

[[methods]]
name = "rlearner-value"
"""


@pytest.fixture(scope="module")
def effect_run(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("effect"), EFFECT_SUITE)


@pytest.fixture(scope="module")
def cost_run(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("cost"), COST_SUITE)


def metric(results: pd.DataFrame, method, seed, metric, variant, arm, outcome) -> float:
    row = results[
        (results["method"] == method)
        & (results["seed"] == seed)
        & (results["metric"] == metric)
        & (results["variant"] == variant)
        & (results["arm"] == arm)
        & (results["outcome"] == outcome)
    ]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_every_finished_cell_stores_its_curves_and_merge_gathers_them(effect_run):
    store = ResultsStore(effect_run)
    results = pd.read_parquet(effect_run / "results.parquet")
    curves = pd.read_parquet(effect_run / "curves.parquet")
    keys = store.finished()
    assert len(keys) == 4 and all(store.curve_file(key).is_file() for key in keys)
    gathered = pd.concat([pd.read_parquet(store.curve_file(key)) for key in sorted(keys)], ignore_index=True)
    pd.testing.assert_frame_equal(curves, gathered, check_dtype=False)  # all-None labels: object
    assert set(zip(curves["method"], curves["seed"], strict=True)) == {
        (m, s) for m in ("random", "tlearner-ridge") for s in (0, 1)
    }
    qini = curves[curves["curve"] == "qini"]
    per_curve = qini.groupby(["method", "seed", "arm", "outcome"])
    assert per_curve.ngroups == 2 * 2 * 2 * 2 and (per_curve.size() == len(GRID)).all()
    for (method, seed, arm, outcome), points in per_curve:
        assert points["x"].tolist() == pytest.approx(GRID)
        expected = metric(results, method, seed, "qini", "sklift", arm, outcome)
        assert points["value"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert set(curves["curve"]) == {"qini"}  # no explanation: these methods have none
    assert (effect_run / "curves.parquet").stat().st_size < 30_000


def test_an_explanation_is_stored_as_quantiles_and_mean_attention():
    rng = np.random.default_rng(0)
    n = 5000
    predictions = pd.DataFrame(
        {
            "treatment": rng.integers(0, 2, n),
            "y:visit": rng.integers(0, 2, n),
            "rank_score": rng.normal(size=n),
            "base:visit": rng.normal(1.0, 2.0, n),
            "incremental:women:visit": rng.uniform(0, 1, n),
            "attention:women:recency": rng.uniform(0, 0.2, n),
            "attention:women:history": rng.uniform(0.8, 1, n),
        }
    )
    curves = cell_curves(predictions, ("control", "women"), ("visit",))
    effects = curves[curves["curve"] == "effects"].groupby("label")
    base, incremental = effects.get_group("base:visit"), effects.get_group("incremental:women:visit")
    assert base["y"].to_numpy() == pytest.approx(np.quantile(predictions["base:visit"], GRID), rel=1e-6)
    assert base["arm"].isna().all() and set(incremental["arm"]) == {"women"}
    attention = curves[curves["curve"] == "attention"].set_index("label")["y"]
    assert attention.to_dict() == pytest.approx(
        {
            "recency": predictions["attention:women:recency"].mean(),
            "history": predictions["attention:women:history"].mean(),
        }
    )
    assert len(curves[curves["curve"] == "qini"]) == len(GRID)


def test_thinned_qini_curve_has_the_area_of_the_metric_row(effect_run):
    """scikit-uplift's Qini from the 101 stored points and the perfect curve of the test rows equals the
    results row computed on every row."""
    store = ResultsStore(effect_run)
    results = pd.read_parquet(effect_run / "results.parquet")
    curves = pd.read_parquet(effect_run / "curves.parquet")
    checked = 0
    for (method, seed, arm, outcome), points in curves[curves["curve"] == "qini"].groupby(
        ["method", "seed", "arm", "outcome"]
    ):
        key = f"tiny__tiny__{method}__seed{seed}"
        predictions = pd.read_parquet(store.prediction_file(key))
        rows, t = arm_rows(predictions["treatment"].to_numpy(), int(arm.removeprefix("arm")))
        perfect = perfect_qini_binary(t, predictions[f"y:{outcome}"].to_numpy(float)[rows])
        n = perfect.n[-1]
        baseline = n * qini_values(perfect)[-1] / 2
        area = trapezoid(points["x"].to_numpy(float) * n, points["y"].to_numpy(float))
        qini = (area - baseline) / (trapezoid(perfect.n, qini_values(perfect)) - baseline)
        assert qini == pytest.approx(metric(results, method, seed, "qini", "sklift", arm, outcome), abs=0.01)
        checked += 1
    assert checked == 16


def test_thinned_cost_curve_has_the_area_of_the_aucc_row(cost_run):
    results = pd.read_parquet(cost_run / "results.parquet")
    curves = pd.read_parquet(cost_run / "curves.parquet")
    cost = curves[curves["curve"] == "cost"]
    assert set(cost["variant"]) == {"hcl-code", "bounded"} and set(curves["curve"]) == {"cost"}
    for (method, seed, variant), points in cost.groupby(["method", "seed", "variant"]):
        assert len(points) <= len(GRID) and points[["x", "y"]].iloc[-1].tolist() == [1.0, 1.0]
        area = trapezoid(points["x"].to_numpy(float), points["y"].to_numpy(float))
        expected = metric(results, method, seed, "aucc", variant, "arm1", "y0")
        assert points["value"].iloc[0] == pytest.approx(expected, abs=1e-12)
        assert area == pytest.approx(expected, abs=1e-6 if variant == "hcl-code" else 0.01)


def test_a_killed_cell_leaves_no_finished_curves_and_is_computed_again(tmp_path, monkeypatch):
    """Killed after its curves were written but before its rows: the cell is not finished, its curves are
    not gathered, and the next run computes it again and stores them."""
    suite = tmp_path / "tiny.toml"
    suite.write_text(EFFECT_SUITE)
    out = tmp_path / "run"
    victim = "tiny__tiny__tlearner-ridge__seed0"
    write = store_module.write_atomically

    def killed_at_the_rows(frame, target, *args, **kwargs):
        if target.parent.name == "cells" and target.stem == victim:
            raise KeyboardInterrupt
        return write(frame, target, *args, **kwargs)

    monkeypatch.setattr(store_module, "write_atomically", killed_at_the_rows)
    command = ["run", "--suite", str(suite), "--out", str(out), "--methods", "random,tlearner-ridge"]
    assert main([*command, "--seeds", "1"]) == 130
    store = ResultsStore(out)
    assert store.curve_file(victim).is_file() and victim not in store.finished()
    assert set(store.curve_points()["method"]) == {"random"}

    monkeypatch.undo()
    assert main([*command, "--seeds", "1"]) == 0
    assert "1 already finished, 1 to compute" in (out / "run.log").read_text()
    curves = pd.read_parquet(out / "curves.parquet")
    assert set(curves["method"]) == {"random", "tlearner-ridge"}


def test_a_cell_killed_while_computing_leaves_no_curve_file(tmp_path, monkeypatch):
    from benchmarks import runner

    suite = tmp_path / "tiny.toml"
    suite.write_text(EFFECT_SUITE)
    out = tmp_path / "run"
    compute = runner.run_cell

    def killed_in_ridge(cell, *args):
        if cell.method == "tlearner-ridge":
            raise KeyboardInterrupt
        return compute(cell, *args)

    monkeypatch.setattr(runner, "run_cell", killed_in_ridge)
    command = ["run", "--suite", str(suite), "--out", str(out), "--methods", "random,tlearner-ridge"]
    assert main([*command, "--seeds", "1"]) == 130
    assert [p.stem for p in (out / "curves").glob("*.parquet")] == ["tiny__tiny__random__seed0"]
    assert not np.isnan(pd.read_parquet(out / "curves" / "tiny__tiny__random__seed0.parquet")["y"]).any()
