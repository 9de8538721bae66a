"""T-learner with ridge regressions: one linear model per arm (control included), all targets at once."""

import numpy as np

from methods import Capabilities, UpliftMethod


class RidgeTLearner(UpliftMethod):
    name = "tlearner-ridge"
    capabilities = Capabilities(native="one ridge per arm, every target in one fit")
    references = ("Kunzel et al. 2019, Metalearners for estimating heterogeneous treatment effects, PNAS",)
    defaults = {"alpha": 1.0}

    @classmethod
    def search_space(cls, trial):
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed):
        from sklearn.linear_model import Ridge

        self.models_ = [
            Ridge(alpha=self.params_["alpha"]).fit(X[treatment == k], y[treatment == k])
            for k in range(self.n_arms_ + 1)
        ]

    def _predict(self, X):
        outcomes = np.stack([m.predict(X).reshape(len(X), -1) for m in self.models_], axis=1)
        return outcomes[:, 1:] - outcomes[:, :1]
