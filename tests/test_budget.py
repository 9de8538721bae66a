"""Ranking on many arms under a budget: the synthetic trial's arm-dependent cost, the budget policy's
value, the per-arm calibration of ranking scores, DRM/CRM with one model per arm, and the cost rows of a
several-arm cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.scoring import BudgetInputs, score_cell
from datasets import synthetic_mtmt
from methods.core.arm_calibration import calibrate
from methods.core.base import ValidationSet, ratio_score
from methods.core.registry import discover
from metrics import aucc, budget


@pytest.fixture(scope="module")
def trial():
    return synthetic_mtmt.generate(n_arms=4, rows_per_arm=3000, gamma=1.0, seed=7, cost=True)


def test_the_cost_is_drawn_last_and_its_effect_rises_by_arm(trial):
    plain = synthetic_mtmt.generate(n_arms=4, rows_per_arm=3000, gamma=1.0, seed=7)
    np.testing.assert_array_equal(trial.y, plain.y)
    np.testing.assert_array_equal(trial.X, plain.X)
    assert plain.cost is None and "tau_cost" not in plain.meta
    tau_cost = trial.meta["tau_cost"]
    assert tau_cost.shape == (trial.n_rows, 4) and tau_cost.min() > 0
    np.testing.assert_allclose(tau_cost.mean(0), synthetic_mtmt.cost_levels(4), rtol=0.02)
    control = trial.cost[trial.treatment == 0].mean()
    observed = [trial.cost[trial.treatment == k].mean() - control for k in range(1, 5)]
    np.testing.assert_allclose(observed, tau_cost.mean(0), atol=0.05)
    best = np.argmax(ratio_score(trial.tau[:, :, 0], tau_cost, "relu"), axis=1)
    assert np.bincount(best, minlength=4).min() > 0.05 * trial.n_rows  # every arm is someone's best


def test_value_at_budget_on_a_hand_case():
    order = np.array([2, 0, 1, 3])
    value_gains, cost_gains = np.array([2.0, 1.0, 4.0, 0.0]), np.array([1.0, 1.0, 2.0, 4.0])
    # per row (n = 4): cost 2/4, 1/4, 1/4, 4/4 in order; value 4/4, 2/4, 1/4, 0
    found = budget.value_at_budget(order, value_gains, cost_gains, 1.0, 1.0, (0.25, 0.625, 1.5, 5.0))
    np.testing.assert_allclose(found, [0.5, 1.25, 1.75, 1.75])


def test_the_policy_offers_each_row_its_best_arm_in_descending_order():
    scores = np.array([[0.1, 0.9], [0.5, 0.2], [0.3, 0.3]])
    order, choice = budget.policy(scores)
    assert order.tolist() == [0, 1, 2] and choice.tolist() == [2, 1, 1]
    tied = np.zeros((1000, 2))
    assert not np.array_equal(budget.policy(tied)[0], np.arange(1000))  # ties in a seeded random order
    np.testing.assert_array_equal(budget.policy(tied)[0], budget.policy(tied)[0])


def test_true_effects_rank_the_oracle_above_one_arm_and_random_at_the_share(trial):
    tau_value, tau_cost = trial.tau[:, :, 0], trial.meta["tau_cost"]
    p = trial.propensity

    def values(scores):
        return budget.budget_values(
            scores, trial.treatment, trial.y[:, 0], trial.cost, p, tau_value, tau_cost
        )

    oracle = values(ratio_score(tau_value, tau_cost, "relu"))["true"]
    one_arm = np.full_like(tau_cost, -1.0)
    one_arm[:, 0] = ratio_score(tau_value[:, 0], tau_cost[:, 0], "relu")
    assert np.all(oracle > values(one_arm)["true"] + 0.01)
    random = values(np.random.default_rng(1).random(tau_cost.shape))
    np.testing.assert_allclose(random["true"], aucc.COST_SHARES, atol=0.03)
    assert np.all(np.abs(values(ratio_score(tau_value, tau_cost, "relu"))["ipw"] - oracle) < 0.25)


def test_calibration_recovers_the_value_per_cost_and_keeps_the_order():
    rng = np.random.default_rng(3)
    n = 20000
    score = rng.normal(size=n)
    treated = rng.random(n) < 0.5
    ratio = np.exp(score)  # the planted value per unit of cost, rising with the score
    cost = 1.0 + treated * 1.0 + rng.normal(0, 0.1, n)
    value = treated * ratio + rng.normal(0, 0.1, n)
    to_ratio = calibrate(score, treated, value, cost)
    low, high = np.quantile(score, [0.1, 0.9])
    np.testing.assert_allclose(to_ratio(np.array([low, high])), np.exp([low, high]), rtol=0.35)
    mapped = to_ratio(score)
    assert np.all(np.diff(mapped[np.argsort(score)]) > 0)  # strictly: the arm's own order is kept


@pytest.mark.parametrize("name", ["drm", "crm"])
def test_ranking_models_on_several_arms_fit_one_model_per_arm(trial, name):
    rows = np.random.default_rng(0).permutation(trial.n_rows)
    train, valid = trial.subset(rows[:9000]), trial.subset(rows[9000:12000])
    method = discover().get(name)(max_epochs=5)
    method.fit(train.X, train.treatment, train.y, cost=train.cost, propensity=train.propensity, seed=2,
               valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost))  # fmt: skip
    assert len(method.models_) == len(method.calibrations_) == 4
    test = trial.subset(rows[12000:])
    ranks = method.arm_ranks(test.X)
    assert ranks.shape == (test.n_rows, 4)
    np.testing.assert_array_equal(method.rank(test.X), ranks.max(axis=1))
    for k, model in enumerate(method.models_):  # each arm keeps its model's order
        raw = method._score(model, test.X)
        assert np.all(np.diff(ranks[np.argsort(raw, kind="stable"), k]) >= 0)


def test_several_arm_cost_cells_score_each_arm_and_the_budget_policy(trial):
    tau_value, tau_cost = trial.tau[:, :, 0], trial.meta["tau_cost"]
    scores = ratio_score(tau_value, tau_cost, "relu")
    rows = score_cell(
        treatment=trial.treatment, y=trial.y, outcome_names=trial.outcome_names, arm_names=trial.arm_names,
        rank_score=scores.max(1), cost=trial.cost, kind="cost",
        budget_inputs=BudgetInputs(scores, trial.propensity, tau_value, tau_cost),
    )  # fmt: skip
    found = {(r["arm"], r["metric"], r["variant"]): r["value"] for r in rows}
    per_arm = [found[(arm, "aucc", "hcl-code")] for arm in trial.arm_names[1:]]
    assert found[("mean", "aucc", "hcl-code")] == pytest.approx(np.mean(per_arm))
    arm2 = (trial.treatment == 0) | (trial.treatment == 2)
    expected = aucc.aucc(scores[arm2, 1], trial.treatment[arm2] == 2, trial.y[arm2, 0], trial.cost[arm2])
    assert found[("arm2", "aucc", "hcl-code")] == pytest.approx(expected)
    assert {v for a, m, v in found if m == "budget_value"} == {
        f"{how}-{share}" for how in ("ipw", "true") for share in ("10%", "20%", "30%")
    }
    with pytest.raises(ValueError, match="budget"):
        score_cell(
            treatment=trial.treatment, y=trial.y, outcome_names=trial.outcome_names,
            arm_names=trial.arm_names, rank_score=scores.max(1), cost=trial.cost, kind="cost",
        )  # fmt: skip


def test_a_several_arm_cost_run_stores_per_arm_curves_that_match_its_rows(tmp_path):
    from tests.suite_runs import run_suite

    out = run_suite(
        tmp_path,
        """
kind = "cost"
seeds = 1

[[datasets]]
name = "synthetic_mtmt"
options = { n_arms = 3, rows_per_arm = 600, gamma = 1.0, cost = true, seed = 1 }

[[methods]]
name = "drm"
params = { max_epochs = 3 }

[[methods]]
name = "tarnet"
params = { max_epochs = 2 }
rankings = { tarnet-plain = { ratio = "plain" } }
""",
    )
    results = pd.read_parquet(out / "results.parquet")
    curves = pd.read_parquet(out / "curves.parquet")
    cost = curves[(curves["curve"] == "cost") & (curves["variant"] == "hcl-code")]
    assert set(cost["method"]) == {"drm", "tarnet", "tarnet-plain"}
    assert set(cost["arm"]) == {"arm1", "arm2", "arm3"}
    rows = results[(results["metric"] == "aucc") & (results["variant"] == "hcl-code")]
    for (method, arm), points in cost.groupby(["method", "arm"]):
        expected = rows.loc[(rows["method"] == method) & (rows["arm"] == arm), "value"].item()
        assert points["value"].iloc[0] == pytest.approx(expected, abs=1e-12)
    budget_rows = results[results["metric"] == "budget_value"]
    assert set(budget_rows["method"]) == {"drm", "tarnet", "tarnet-plain"} and set(budget_rows["arm"]) == {
        "policy"
    }
