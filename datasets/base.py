"""The data contract every dataset module produces (docs/datasets.md, "Adding a dataset")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _row_aligned(value: Any, n: int) -> bool:
    """Whether a meta entry is a per-row array (subset with the rows)."""
    return isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n


class DataError(Exception):
    """A problem with input data that the user can fix; the CLI prints it as one line and exits 2."""


@dataclass(frozen=True)
class UpliftData:
    """One dataset in the shape every method and metric expects.

    X: float32 (n, d); treatment: int (n,), 0 = control, 1..K = arms; y: float (n, m), one column per
    outcome; cost: optional float (n,) or (n, c); propensity: known assignment probabilities (n, K+1)
    for randomised trials, else None; tau: true effects (n, K, m) for synthetic data only.
    """

    X: np.ndarray
    feature_names: tuple[str, ...]
    treatment: np.ndarray
    arm_names: tuple[str, ...]
    y: np.ndarray
    outcome_names: tuple[str, ...]
    cost: np.ndarray | None = None
    cost_names: tuple[str, ...] | None = None
    propensity: np.ndarray | None = None
    tau: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.X.shape[0]
        if self.X.ndim != 2 or self.X.shape[1] != len(self.feature_names):
            raise DataError(f"X has shape {self.X.shape} but {len(self.feature_names)} feature names")
        if self.treatment.shape != (n,):
            raise DataError(f"treatment has shape {self.treatment.shape}, expected ({n},)")
        if self.y.ndim != 2 or self.y.shape != (n, len(self.outcome_names)):
            raise DataError(f"y has shape {self.y.shape}, expected ({n}, {len(self.outcome_names)})")
        if n and (self.treatment.min() < 0 or self.treatment.max() >= len(self.arm_names)):
            raise DataError(f"treatment codes must lie in 0..{len(self.arm_names) - 1}")
        if self.cost is not None and self.cost.shape[0] != n:
            raise DataError(f"cost has {self.cost.shape[0]} rows, expected {n}")
        if self.tau is not None and self.tau.shape != (n, self.n_arms, self.n_outcomes):
            raise DataError(
                f"tau has shape {self.tau.shape}, expected ({n}, {self.n_arms}, {self.n_outcomes})"
            )

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_arms(self) -> int:
        """Number of treatment arms, control excluded (K)."""
        return len(self.arm_names) - 1

    @property
    def n_outcomes(self) -> int:
        return len(self.outcome_names)

    @property
    def cost_matrix(self) -> np.ndarray | None:
        """Cost as a 2-D array (n, c), or None."""
        if self.cost is None:
            return None
        return self.cost.reshape(self.n_rows, -1)

    def subset(self, index: np.ndarray) -> UpliftData:
        """The rows at `index` (an integer or boolean array), metadata kept."""
        return UpliftData(
            X=self.X[index],
            feature_names=self.feature_names,
            treatment=self.treatment[index],
            arm_names=self.arm_names,
            y=self.y[index],
            outcome_names=self.outcome_names,
            cost=None if self.cost is None else self.cost[index],
            cost_names=self.cost_names,
            propensity=None if self.propensity is None else self.propensity[index],
            tau=None if self.tau is None else self.tau[index],
            meta={k: v[index] if _row_aligned(v, self.n_rows) else v for k, v in self.meta.items()},
        )

    def summary(self) -> dict[str, Any]:
        """The facts `data info` prints: rows, features, arms, outcomes, cost and source."""
        counts = np.bincount(self.treatment, minlength=len(self.arm_names))
        return {
            "name": self.meta.get("name"),
            "rows": self.n_rows,
            "features": len(self.feature_names),
            "arms": [{"name": a, "rows": int(c)} for a, c in zip(self.arm_names, counts, strict=True)],
            "outcomes": [
                {"name": o, "mean": float(np.mean(self.y[:, j])) if self.n_rows else None}
                for j, o in enumerate(self.outcome_names)
            ],
            "cost": list(self.cost_names) if self.cost_names else None,
            "source": self.meta.get("source"),
            "notes": self.meta.get("notes"),
        }


def zscore(X: np.ndarray) -> np.ndarray:
    """Columns scaled to mean 0, standard deviation 1; constant columns become 0."""
    X = X.astype(np.float64)
    std = X.std(axis=0)
    return np.divide(X - X.mean(axis=0), std, out=np.zeros_like(X), where=std > 0).astype(np.float32)
