"""The HCL papers' duality R-learner: an R-learner on value - lambda * cost, lambda chosen on validation.
The ridge R-learner lives in methods/core/ridge_rlearner.py."""

import numpy as np

from methods import Capabilities, UpliftMethod
from methods.core.ridge_rlearner import RidgeRLearner

LAMBDAS = (0.001, 0.005, 0.01, 0.05)


def validation_aucc(score: np.ndarray, valid, variant: str) -> float:
    """AUCC (`variant`) of a ranking on the validation rows (-inf where it is undefined)."""
    from metrics.aucc import aucc

    n = len(score)
    value = np.asarray(valid.y).reshape(n, -1)[:, 0]
    cost = np.asarray(valid.cost).reshape(n, -1)[:, 0]
    try:
        return aucc(score, (valid.treatment > 0).astype(float), value, cost, variant)
    except ValueError:
        return -np.inf


class DualityRLearner(UpliftMethod):
    """Fits the ridge R-learner on y - lambda * cost for each lambda of the grid and keeps the one with the
    best AUCC on the validation split (the variant named by `selection`); without validation rows,
    lambda = 0.05 (the paper's best)."""

    name = "rlearner-duality"
    capabilities = Capabilities(
        multi_arm=False, multi_outcome=False, uses_cost=True, needs_cost=True, predicts_effects=False
    )
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
    )
    defaults = {"alpha": 1.0, "lambdas": LAMBDAS, "selection": "hcl-code"}

    @classmethod
    def search_space(cls, trial):
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        def fit_for(lam):
            model = RidgeRLearner(alpha=self.params_["alpha"])
            return model.fit(X, treatment, y[:, 0] - lam * cost[:, 0], propensity=propensity, seed=seed)

        if valid is None or valid.cost is None:
            self.lambda_, self.model_ = 0.05, fit_for(0.05)
            return
        areas = {}
        for lam in self.params_["lambdas"]:
            model = fit_for(lam)
            areas[lam] = (validation_aucc(model.rank(valid.X), valid, self.params_["selection"]), model)
        self.lambda_ = max(areas, key=lambda lam: areas[lam][0])
        self.model_ = areas[self.lambda_][1]

    def rank(self, X, *, value=0, cost=None):
        """The chosen model's effect on value - lambda * cost."""
        return self.model_.rank(X)
