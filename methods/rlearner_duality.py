"""The HCL papers' duality R-learner: an R-learner on value - lambda * cost, lambda chosen on validation."""

import numpy as np

from methods.base import Capabilities, UpliftMethod
from methods.rlearner_value import RidgeRLearnerValue

LAMBDAS = (0.001, 0.005, 0.01, 0.05)


def validation_aucc(score: np.ndarray, valid) -> float:
    """Headline AUCC of a ranking on the validation rows (-inf where it is undefined)."""
    from benchmarks.metrics.aucc import aucc
    from benchmarks.metrics.scoring import HEADLINE

    n = len(score)
    value = np.asarray(valid.y).reshape(n, -1)[:, 0]
    cost = np.asarray(valid.cost).reshape(n, -1)[:, 0]
    try:
        return aucc(score, (valid.treatment > 0).astype(float), value, cost, HEADLINE["cost"][1])
    except ValueError:
        return -np.inf


class DualityRLearner(UpliftMethod):
    """Fits the ridge R-learner on y - lambda * cost for each lambda of the grid and keeps the one with the
    best AUCC (headline variant) on the validation split; without validation rows, lambda = 0.05 (the
    paper's best)."""

    name = "rlearner-duality"
    capabilities = Capabilities(
        multi_arm=False, multi_outcome=False, uses_cost=True, needs_cost=True, predicts_effects=False
    )
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
    )
    defaults = {"alpha": 1.0, "lambdas": LAMBDAS}

    @classmethod
    def search_space(cls, trial):
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        def fit_for(lam):
            model = RidgeRLearnerValue(alpha=self.params_["alpha"])
            return model.fit(X, treatment, y[:, 0] - lam * cost[:, 0], propensity=propensity, seed=seed)

        if valid is None or valid.cost is None:
            self.lambda_, self.model_ = 0.05, fit_for(0.05)
            return
        areas = {}
        for lam in self.params_["lambdas"]:
            model = fit_for(lam)
            areas[lam] = (validation_aucc(model.rank(valid.X), valid), model)
        self.lambda_ = max(areas, key=lambda lam: areas[lam][0])
        self.model_ = areas[self.lambda_][1]

    def rank(self, X, *, value=0, cost=None):
        """The chosen model's effect on value - lambda * cost."""
        return self.model_.rank(X)
