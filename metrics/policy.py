"""Value of a (multi-arm) treatment policy under known assignment probabilities, by inverse propensity
weighting (Zhao et al. 2017, "expected response"): mean of y * 1[t = policy] / p(t | x)."""

from __future__ import annotations

import numpy as np

from metrics._checks import vector


def policy_value(policy, treatment, y, propensity, cost=None, lam: float = 0.0) -> float:
    """IPW estimate of the mean outcome (or of outcome - lam * cost) if every row got the arm `policy`
    chooses. `propensity` (n, K+1) holds each row's probability of each arm, control first."""
    y = vector("y", y)
    n = y.shape[0]
    t = vector("treatment", treatment, n)
    chosen = vector("policy", policy, n)
    p = np.asarray(propensity, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != n:
        raise ValueError(f"propensity must have shape ({n}, K+1), got {p.shape}")
    arms = p.shape[1]
    for name, a in (("treatment", t), ("policy", chosen)):
        if not np.all((a == np.round(a)) & (a >= 0) & (a < arms)):
            raise ValueError(f"{name} must hold arm codes 0..{arms - 1} (propensity has {arms} columns)")
    if not np.isfinite(p).all() or (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("propensity rows must be finite probabilities summing to 1")
    observed = p[np.arange(n), t.astype(np.int64)]
    if (observed <= 0).any():
        raise ValueError("propensity of an observed arm is 0: inverse weighting is undefined")
    reward = y if cost is None else y - lam * vector("cost", cost, n)
    return float(np.mean(reward * (chosen == t) / observed))
