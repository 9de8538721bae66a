"""econml estimators: constant propensity for randomised data (prior-only classifier), LightGBM nuisances."""

from __future__ import annotations

import numpy as np

from methods.core.learners import LGBM_DEFAULTS, PerTarget, lgbm, suggest_lgbm


def prior_classifier():
    """The treatment model of a randomised trial: predicts the training arm shares for every row."""
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="prior")


class EconmlPerTarget(PerTarget):
    """An econml estimator per target column; subclasses build it in `_estimator(seed)`."""

    def _estimator(self, seed):
        raise NotImplementedError

    def _fit_target(self, X, treatment, y, seed):
        estimator = self._estimator(seed)
        estimator.fit(y, treatment, X=X)
        return estimator

    def _predict_target(self, model, X) -> np.ndarray:
        return np.column_stack([model.effect(X, T0=0, T1=k) for k in range(1, self.n_arms_ + 1)])

    def nuisance(self, seed):
        """The outcome model: LightGBM with the method's nuisance settings."""
        return lgbm(LGBM_DEFAULTS, seed)


class EconmlLgbmFinal(EconmlPerTarget):
    """An econml estimator whose final (effect) stage is LightGBM with the method's parameters."""

    defaults = dict(LGBM_DEFAULTS)
    fast_params = {"n_estimators": 10}

    @classmethod
    def search_space(cls, trial):
        return suggest_lgbm(trial)
