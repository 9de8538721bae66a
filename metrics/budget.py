"""The value a multi-arm targeting policy reaches under a cost budget (the ranking papers' question on
many arms): every row is offered the arm with its highest score, rows are treated in descending order of
that score, and the policy's incremental value is read where its incremental cost first reaches a share
of a reference cost.

The reference is treating everyone with an arm drawn at random (the mean over arms of treating everyone
with that arm), the same for every method on a split, so values are comparable across methods; with one
arm it is treating everyone, as in `aucc.value_at_cost`. Increments are estimated either from the trial
by inverse propensity weighting ("ipw") or, on synthetic data, from the true effects ("true"). Rows with
equal scores are taken in a seeded random order (aucc.TIE_SEED)."""

from __future__ import annotations

import numpy as np

from metrics._checks import arm_codes, vector
from metrics.aucc import COST_SHARES, TIE_SEED, value_where_reached


def policy(arm_scores, tie_seed: int = TIE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(row order, chosen arm 1..K of each row) from per-arm scores (n, K): each row's best arm, rows in
    descending order of its score, ties in a seeded random order."""
    scores = np.asarray(arm_scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] < 1 or not np.isfinite(scores).all():
        raise ValueError(f"arm scores must be a finite (n, K) array, got shape {scores.shape}")
    shuffled = np.random.default_rng(tie_seed).permutation(scores.shape[0])
    best = scores.max(axis=1)
    order = shuffled[np.argsort(-best[shuffled], kind="stable")]
    return order, scores.argmax(axis=1) + 1


def ipw_gains(choice, treatment, outcome, propensity) -> tuple[np.ndarray, float]:
    """Per row, the inverse-propensity estimate of the outcome's increment if the row got its `choice`
    rather than control (n,), and the reference increment (mean over arms of treating everyone)."""
    y = vector("outcome", outcome)
    n = y.shape[0]
    p = np.asarray(propensity, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != n:
        raise ValueError(f"propensity must have shape ({n}, K+1), got {p.shape}")
    t = arm_codes(treatment, p.shape[1], "treatment", n)
    rows = np.arange(n)
    control = y * (t == 0) / p[:, 0]
    gains = y * (t == choice) / p[rows, choice] - control
    per_arm = [np.mean(y * (t == k) / p[:, k] - control) for k in range(1, p.shape[1])]
    return gains, float(np.mean(per_arm))


def true_gains(choice, tau) -> tuple[np.ndarray, float]:
    """The true increments (n,) of each row's `choice` from the true effects tau (n, K), and the
    reference (mean over rows and arms)."""
    tau = np.asarray(tau, dtype=np.float64)
    return tau[np.arange(tau.shape[0]), np.asarray(choice) - 1], float(tau.mean())


def value_at_budget(order, value_gains, cost_gains, value_reference, cost_reference, shares=COST_SHARES):
    """For each share x: the policy's incremental value, as a share of the reference value, when its
    incremental cost first reaches x times the reference cost (linear between rows); where it never does,
    the value at the policy's highest cost."""
    shares = np.asarray(shares, dtype=np.float64)
    if shares.ndim != 1 or not np.all(shares > 0):
        raise ValueError(f"budget shares must be positive, got {shares}")
    if value_reference <= 0 or cost_reference <= 0:
        raise ValueError(
            f"the reference has incremental value {value_reference:.4g} and cost {cost_reference:.4g}; "
            "both must be positive to normalise"
        )
    n = len(order)
    cost = np.r_[0.0, np.cumsum(np.asarray(cost_gains)[order])] / n / cost_reference
    value = np.r_[0.0, np.cumsum(np.asarray(value_gains)[order])] / n / value_reference
    return value_where_reached(cost, value, shares)


def budget_values(
    arm_scores, treatment, value, cost, propensity, tau_value=None, tau_cost=None, shares=COST_SHARES
):
    """{"ipw": values, "true": values} at each budget share (`value_at_budget`); "true" only with the true
    value and cost effects (n, K)."""
    order, choice = policy(arm_scores)
    found = {}
    v, v_ref = ipw_gains(choice, treatment, value, propensity)
    c, c_ref = ipw_gains(choice, treatment, cost, propensity)
    found["ipw"] = value_at_budget(order, v, c, v_ref, c_ref, shares)
    if tau_value is not None and tau_cost is not None:
        (v, v_ref), (c, c_ref) = true_gains(choice, tau_value), true_gains(choice, tau_cost)
        found["true"] = value_at_budget(order, v, c, v_ref, c_ref, shares)
    return found
