"""The bridge from a method's test predictions to tidy metric rows, used by the harness and the report.

Each row is a dict (arm, outcome, metric, variant, value). Multi-arm scores are computed per arm on the
rows of control and that arm, with a "mean" row over arms. A metric that is undefined on the data (for
example scikit-uplift's Qini and AUUC on a continuous outcome) is left out rather than reported as a
number; continuous outcomes get the shift-invariant Qini variant `sklift-centred` instead.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from metrics import areas, at_k, aucc, budget, policy
from metrics._checks import UndefinedMetric, arm_codes, is_binary
from metrics.effects import pehe
from metrics.multiarm import arm_rows

HEADLINE = {"effect": ("qini", "sklift"), "cost": ("aucc", "hcl-code")}


def _continuous_only(function):
    """`function` where the outcome is continuous; binary outcomes have the `sklift` variant itself."""

    def metric(score, treatment, y):
        if is_binary(y):
            raise UndefinedMetric("a binary outcome is scored by the sklift variant")
        return function(score, treatment, y)

    return metric


RANKING_METRICS = {
    ("qini", "sklift"): areas.qini_sklift,
    ("qini", "sklift-centred"): _continuous_only(areas.qini_sklift_centred),
    ("qini", "causalml"): areas.qini_causalml,
    ("auuc", "sklift"): areas.auuc_sklift,
    ("auuc", "causalml"): areas.auuc_causalml,
    ("uplift_at_k", "k=0.3"): lambda s, t, y: at_k.uplift_at_k(s, t, y, k=0.3, strategy="overall"),
}


def _row(arm: str, outcome: str, metric: str, variant: str, value: float) -> dict:
    return {"arm": arm, "outcome": outcome, "metric": metric, "variant": variant, "value": float(value)}


def _defined(function, *args) -> float | None:
    try:
        return function(*args)
    except UndefinedMetric:
        return None


def ranking_rows(treatment, y, outcome_names, arm_names, scores_per_arm) -> list[dict]:
    """Qini, AUUC and uplift@30% per arm and outcome (and their mean over arms).

    scores_per_arm(k, j) gives the score of arm k's rows for outcome j, on all n rows."""
    rows = []
    for j, outcome in enumerate(outcome_names):
        per_metric: dict[tuple[str, str], list[float]] = {key: [] for key in RANKING_METRICS}
        for k in range(1, len(arm_names)):
            mask, t = arm_rows(treatment, k)
            score = scores_per_arm(k, j)[mask]
            for (metric, variant), function in RANKING_METRICS.items():
                value = _defined(function, score, t, y[mask, j])
                if value is not None:
                    per_metric[(metric, variant)].append(value)
                    rows.append(_row(arm_names[k], outcome, metric, variant, value))
        if len(arm_names) > 2:
            for (metric, variant), values in per_metric.items():
                if len(values) == len(arm_names) - 1:
                    rows.append(_row("mean", outcome, metric, variant, np.mean(values)))
    return rows


def cost_rows(treatment, y, outcome_names, arm_names, rank_score, cost, budget_inputs=None) -> list[dict]:
    """AUCC in every variant and the value reached at 10%, 20% and 30% of the incremental cost, first
    outcome = value, first cost column. One arm: the arm against control by `rank_score`. Several arms:
    each arm against control on their rows by its own column of `budget_inputs.arm_scores`, the mean over
    arms, and the budget policy's value (`budget_rows`)."""
    value, spend = y[:, 0], np.asarray(cost).reshape(len(treatment), -1)[:, 0]
    if len(arm_names) == 2:
        return _cost_curve_rows(arm_names[1], outcome_names[0], rank_score, treatment, value, spend)
    if budget_inputs is None:
        raise ValueError("several arms with cost are scored per arm: budget_inputs (BudgetInputs) is needed")
    rows, per_arm = [], {}
    for k in range(1, len(arm_names)):
        mask, t = arm_rows(treatment, k)
        score = budget_inputs.arm_scores[mask, k - 1]
        for row in _cost_curve_rows(arm_names[k], outcome_names[0], score, t, value[mask], spend[mask]):
            rows.append(row)
            per_arm.setdefault((row["metric"], row["variant"]), []).append(row["value"])
    for (metric, variant), values in per_arm.items():
        if len(values) == len(arm_names) - 1:
            rows.append(_row("mean", outcome_names[0], metric, variant, np.mean(values)))
    return rows + budget_rows(treatment, value, spend, outcome_names[0], budget_inputs)


def _cost_curve_rows(arm, outcome, score, t, value, spend) -> list[dict]:
    """AUCC in every variant and the value at the cost shares of one arm (0/1 t) against control."""
    t = (np.asarray(t) > 0).astype(np.float64)
    rows = []
    for variant in aucc.VARIANTS:
        area = _defined(aucc.aucc, score, t, value, spend, variant)
        if area is not None:
            rows.append(_row(arm, outcome, "aucc", variant, area))
    reached = _defined(aucc.value_at_cost, score, t, value, spend, aucc.COST_SHARES)
    if reached is not None:
        for share, v in zip(aucc.COST_SHARES, reached, strict=True):
            rows.append(_row(arm, outcome, "value_at_cost", f"{share:.0%}", v))
    return rows


class BudgetInputs(NamedTuple):
    """What the several-arm cost rows need beyond one score: each arm's score (n, K) on one scale, the
    assignment probabilities (n, K+1), and on synthetic data the true value and cost effects (n, K)."""

    arm_scores: np.ndarray
    propensity: np.ndarray | None = None
    tau_value: np.ndarray | None = None
    tau_cost: np.ndarray | None = None


def budget_rows(treatment, value, spend, outcome, inputs: BudgetInputs) -> list[dict]:
    """The budget policy's incremental value (metrics/budget.py) at 10%, 20% and 30% of the reference
    cost, by inverse propensity weighting ("ipw-10%") and, with the true effects, exactly ("true-10%")."""
    if inputs.propensity is None:
        return []
    found = budget.budget_values(
        inputs.arm_scores, treatment, value, spend, inputs.propensity, inputs.tau_value, inputs.tau_cost
    )
    return [
        _row("policy", outcome, "budget_value", f"{how}-{share:.0%}", v)
        for how, values in found.items()
        for share, v in zip(aucc.COST_SHARES, values, strict=True)
    ]


def policy_rows(treatment, y, outcome_names, arm_scores, propensity) -> list[dict]:
    """IPW value of the policy 'best predicted arm if its effect is positive, else control', per outcome."""
    rows = []
    for j, outcome in enumerate(outcome_names):
        effects = arm_scores[:, :, j]
        choice = np.where(effects.max(axis=1) > 0, effects.argmax(axis=1) + 1, 0)
        value = policy.policy_value(choice, treatment, y[:, j], propensity)
        rows.append(_row("policy", outcome, "policy_value", "ipw", value))
    return rows


def pehe_rows(outcome_names, arm_names, tau_true, tau_pred) -> list[dict]:
    """PEHE per arm and outcome against the true effects (synthetic data)."""
    errors = pehe(tau_true, tau_pred)
    return [
        _row(arm_names[k + 1], outcome, "pehe", "rmse", errors[k, j])
        for k in range(errors.shape[0])
        for j, outcome in enumerate(outcome_names)
    ]


def score_cell(
    *,
    treatment,
    y,
    outcome_names,
    arm_names,
    rank_score,
    arm_scores=None,
    cost=None,
    kind: str = "effect",
    budget_inputs: BudgetInputs | None = None,
) -> list[dict]:
    """The ranking metrics of one split's predictions (and AUCC for kind "cost"), as tidy rows.

    arm_scores (n, K, m) are per-arm predicted effects; without them every arm is ranked by rank_score.
    kind "cost" adds AUCC and the value at a cost share (needs cost; with several arms, `budget_inputs`)."""
    if kind not in HEADLINE:
        raise ValueError(f"kind must be one of {', '.join(HEADLINE)}, got {kind!r}")
    treatment = arm_codes(treatment, len(arm_names))
    y = np.asarray(y, dtype=np.float64).reshape(len(treatment), -1)
    rank_score = np.asarray(rank_score, dtype=np.float64)
    if arm_scores is not None:
        arm_scores = np.asarray(arm_scores, dtype=np.float64)

        def scores(k, j):
            return arm_scores[:, k - 1, j]
    else:

        def scores(k, j):
            return rank_score

    rows = ranking_rows(treatment, y, outcome_names, arm_names, scores)
    if kind == "cost":
        if cost is None:
            raise ValueError("kind 'cost' needs the cost column")
        rows += cost_rows(treatment, y, outcome_names, arm_names, rank_score, cost, budget_inputs)
    return rows
