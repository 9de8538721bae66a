"""A suite's `rankings`: further result labels scored from one fit, equal to the rows of a separate fit with
the same ranking parameter; only ranking parameters may differ; labels may not clash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.cli import main
from methods.causal_forest import CausalForest
from methods.core.base import MethodError
from tests.suite_runs import run_suite

SUITE = """
kind = "cost"
seeds = 1
trials = 0

[[datasets]]
name = "synthetic"
label = "tiny-cost"
options = { n_rows = 2000, n_arms = 1, n_outcomes = 1, n_features = 5, with_cost = true, seed = 4 }

[[methods]]
name = "causal-forest"
label = "cf"
tune = false
params = { n_estimators = 8, max_features = 3, min_balancedness_tol = 0.3 }
rankings = { cf-relu = { ratio = "relu" } }
"""
REFIT = """
[[methods]]
name = "causal-forest"
label = "cf-relu-refit"
tune = false
params = { n_estimators = 8, max_features = 3, min_balancedness_tol = 0.3, ratio = "relu" }
"""
KEY = ["metric", "variant", "arm", "outcome"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("rankings"), SUITE + REFIT)


def test_a_ranking_label_is_scored_from_the_cell_fit_and_equals_a_separate_fit(run):
    assert sorted(p.stem for p in (run / "cells").glob("*.parquet")) == [
        "tiny__tiny-cost__cf-relu-refit__seed0",
        "tiny__tiny-cost__cf__seed0",
    ]
    results = pd.read_parquet(run / "results.parquet")
    assert set(results["method"]) == {"cf", "cf-relu", "cf-relu-refit"}
    derived = results[results["method"] == "cf-relu"].set_index(KEY)["value"].sort_index()
    refit = results[results["method"] == "cf-relu-refit"].set_index(KEY)["value"].sort_index()
    pd.testing.assert_series_equal(derived, refit, check_names=False)
    plain = results[results["method"] == "cf"].set_index(KEY)["value"].sort_index()
    assert plain.loc["aucc"].to_numpy() != pytest.approx(derived.loc["aucc"].to_numpy())
    derived_params = results.loc[results["method"] == "cf-relu", "params"].iloc[0]
    assert '"ratio": "relu"' in derived_params and '"n_estimators": 8' in derived_params
    one_fit = results[results["method"].isin(["cf", "cf-relu"])]["fit_seconds"]
    assert one_fit.nunique() == 1
    assert "| cf-relu " in (run / "summary.md").read_text()


def test_a_ranking_label_has_its_curves_and_its_rank_score(run):
    curves = pd.read_parquet(run / "curves.parquet")
    by_label = {label: part.drop(columns="method") for label, part in curves.groupby("method")}
    assert set(by_label) == {"cf", "cf-relu", "cf-relu-refit"}
    pd.testing.assert_frame_equal(
        by_label["cf-relu"].reset_index(drop=True), by_label["cf-relu-refit"].reset_index(drop=True)
    )
    predictions = pd.read_parquet(run / "predictions" / "tiny__tiny-cost__cf__seed0.parquet")
    refit = pd.read_parquet(run / "predictions" / "tiny__tiny-cost__cf-relu-refit__seed0.parquet")
    np.testing.assert_array_equal(predictions["rank_score:cf-relu"], refit["rank_score"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SUITE.replace('ratio = "relu"', "n_estimators = 16"), "n_estimators changes the fit"),
        (SUITE.replace("cf-relu =", "cf ="), "the ranking label cf names another row too"),
    ],
)
def test_a_bad_ranking_gives_one_line_and_exit_2(text, message, tmp_path, capsys):
    suite = tmp_path / "bad.toml"
    suite.write_text(text)
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err, err


def test_ranked_by_restores_the_fitted_parameters_and_refuses_fit_parameters():
    rng = np.random.default_rng(0)
    X, treatment = rng.normal(size=(600, 3)), np.tile([0, 1], 300)
    y, cost = X[:, :1] * treatment[:, None], rng.normal(size=(600, 1)) + treatment[:, None]
    method = CausalForest(n_estimators=4).fit(X, treatment, y, cost=cost, seed=1)
    plain = method.rank(X, cost=0)
    with method.ranked_by({"ratio": "relu"}):
        relu = method.rank(X, cost=0)
    assert method.params_["ratio"] == "plain"
    np.testing.assert_array_equal(method.rank(X, cost=0), plain)
    assert (relu >= 0).all() and (plain < 0).any()
    with (
        pytest.raises(MethodError, match="n_estimators changes the fit"),
        method.ranked_by({"n_estimators": 9}),
    ):
        pass
