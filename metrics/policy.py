"""Value of a (multi-arm) treatment policy under known assignment probabilities, by inverse propensity
weighting (Zhao et al. 2017, "expected response"): mean of y * 1[t = policy] / p(t | x)."""

from __future__ import annotations

import numpy as np

from metrics._checks import arm_codes, vector


def policy_value(policy, treatment, y, propensity) -> float:
    """IPW estimate of the mean outcome if every row got the arm `policy` chooses. `propensity` (n, K+1)
    holds each row's probability of each arm, control first."""
    y = vector("y", y)
    n = y.shape[0]
    if n == 0:
        raise ValueError("the policy value needs at least one row, got none")
    p = np.asarray(propensity, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != n:
        raise ValueError(f"propensity must have shape ({n}, K+1), got {p.shape}")
    t = arm_codes(treatment, p.shape[1], "treatment", n)
    chosen = arm_codes(policy, p.shape[1], "policy", n)
    if not np.isfinite(p).all() or (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("propensity rows must be finite probabilities summing to 1")
    observed = p[np.arange(n), t]
    if (observed <= 0).any():
        raise ValueError("propensity of an observed arm is 0: inverse weighting is undefined")
    return float(np.mean(y * (chosen == t) / observed))
