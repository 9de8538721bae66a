"""Shared pieces of the library adapters: base learners, constant propensities, per-target fitting."""

from __future__ import annotations

from typing import Any

import numpy as np

from methods.core.base import UpliftMethod

LGBM_DEFAULTS = {"n_estimators": 100, "learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 50}


def lgbm(params: dict[str, Any], seed: int):
    """A deterministic single-threaded LightGBM regressor with the given LGBM_DEFAULTS-style params."""
    from lightgbm import LGBMRegressor

    chosen = {k: params[k] for k in LGBM_DEFAULTS}
    return LGBMRegressor(**chosen, random_state=seed, n_jobs=1, deterministic=True, verbose=-1)


def suggest_lgbm(trial) -> dict[str, Any]:
    """LightGBM ranges from its parameter-tuning guide, kept small enough for a 2-core machine."""
    return {
        "n_estimators": trial.suggest_int("n_estimators", 30, 300, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 10, 300, log=True),
    }


def arm_shares(treatment: np.ndarray, propensity: np.ndarray | None, n_arms: int) -> np.ndarray:
    """P(arm k | control or arm k) for k = 1..K: from the known propensity when given, else from the
    training shares (the constant propensity of a randomised trial, as the HCL baselines assume)."""
    if propensity is not None:
        p = np.asarray(propensity, dtype=np.float64).mean(axis=0)
    else:
        p = np.bincount(treatment, minlength=n_arms + 1) / len(treatment)
    return p[1:] / (p[0] + p[1:])


def causalml_p(shares: np.ndarray, n: int) -> dict[int, np.ndarray]:
    """causalml's propensity argument: one constant array per arm code."""
    return {k + 1: np.full(n, share) for k, share in enumerate(shares)}


class PerTarget(UpliftMethod):
    """A method fitting one model per target column (outcomes, then cost), each serving every arm:
    subclasses implement `_fit_target(X, treatment, y, seed)` and `_predict_target(model, X) -> (n, K)`."""

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        self.shares_ = arm_shares(treatment, propensity, self.n_arms_)
        self.models_ = [self._fit_target(X, treatment, y[:, j], seed) for j in range(y.shape[1])]

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return np.stack([self._predict_target(model, X) for model in self.models_], axis=2)

    def _fit_target(self, X, treatment, y, seed):
        raise NotImplementedError

    def _predict_target(self, model, X) -> np.ndarray:
        raise NotImplementedError
