"""Seeded synthetic trials with known effects, in the tiered structure MTMT assumes.

Outcome j is binary with P(y = 1 | x, arm k) = sigmoid(a_j(x) + 1[k > 0] * b_j(x) + c_kj(x)): a large base
effect b_j of any treatment (driven by x0), plus smaller arm-specific increments c_kj (driven by x1, x2).
The true effect tau[:, k, j] is the difference of the two probabilities, so it is exact, not estimated.
Optional cost: a continuous cost whose increment under treatment depends on x3. Arms are assigned
uniformly, so the propensity is 1 / (K + 1) for every arm. Everything is vectorised in float32."""

from __future__ import annotations

import numpy as np

from datasets.base import DataError, UpliftData

DESCRIPTION = "Synthetic trial with true effects tau (n, K, m): tiered base + arm effects, optional cost"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def generate(
    n_rows: int = 20000,
    n_arms: int = 2,
    n_outcomes: int = 2,
    n_features: int = 12,
    with_cost: bool = False,
    seed: int = 0,
) -> UpliftData:
    """A trial of n_rows with n_arms treatment arms (plus control) and n_outcomes binary outcomes."""
    if n_rows < 1 or n_arms < 1 or n_outcomes < 1 or n_features < 4:
        raise DataError("synthetic data needs n_rows, n_arms, n_outcomes >= 1 and n_features >= 4")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_features), dtype=np.float32)
    treatment = rng.integers(0, n_arms + 1, n_rows)
    x0, x1, x2, x3 = X[:, 0], X[:, 1], X[:, 2], X[:, 3]
    base_logit = np.float32(-1.5) + np.float32(0.5) * np.tanh(X[:, 4 % n_features])
    tau = np.empty((n_rows, n_arms, n_outcomes), dtype=np.float32)
    y = np.empty((n_rows, n_outcomes), dtype=np.float64)
    for j in range(n_outcomes):
        a = base_logit - np.float32(j)
        p0 = _sigmoid(a)
        base = np.float32(0.6 / (j + 1)) * (np.float32(1.0) + np.tanh(x0))
        p_observed = p0.copy()
        for k in range(n_arms):
            increment = np.float32(0.15 * (k + 1) / n_arms) * np.where(k % 2 == 0, x1, x2)
            pk = _sigmoid(a + base + increment)
            tau[:, k, j] = pk - p0
            treated = treatment == k + 1
            p_observed[treated] = pk[treated]
        y[:, j] = rng.random(n_rows, dtype=np.float32) < p_observed
    cost = None
    if with_cost:
        lift = np.float32(0.5) + np.float32(0.4) * np.tanh(x3)
        cost = np.float32(1.0) + (treatment > 0) * lift + rng.standard_normal(n_rows, dtype=np.float32) * 0.1
        cost = cost.astype(np.float64)
    arm_names = ("control", *[f"arm{k}" for k in range(1, n_arms + 1)])
    return UpliftData(
        X=X,
        feature_names=tuple(f"x{i}" for i in range(n_features)),
        treatment=treatment.astype(np.int64),
        arm_names=arm_names,
        y=y,
        outcome_names=tuple(f"y{j}" for j in range(n_outcomes)),
        cost=cost,
        cost_names=("cost",) if with_cost else None,
        propensity=np.full((n_rows, n_arms + 1), 1 / (n_arms + 1), dtype=np.float32),
        tau=tau,
        meta={
            "name": "synthetic",
            "source": {"file": "GENERATED", "checksum_ok": None, "seed": seed},
            "notes": f"synthetic, seed {seed}: tiered base + arm-specific effects on binary outcomes",
        },
    )


def load(
    data_dir=None,
    n_rows: int = 20000,
    n_arms: int = 2,
    n_outcomes: int = 2,
    n_features: int = 12,
    with_cost: bool = False,
    seed: int = 0,
) -> UpliftData:
    """`generate(...)`; data_dir is ignored (nothing to read)."""
    return generate(n_rows, n_arms, n_outcomes, n_features, with_cost, seed)
