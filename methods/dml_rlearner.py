"""econml's NonParamDML: the R-learner of Nie and Wager with a LightGBM final stage."""

import numpy as np

from methods import Capabilities
from methods.core.econml_adapter import EconmlLgbmFinal, prior_classifier
from methods.core.learners import lgbm


class DmlRLearner(EconmlLgbmFinal):
    """R-learner (residual-on-residual, cross-fitted) per arm against control and per target column."""

    name = "dml-rlearner"
    capabilities = Capabilities(native="one model per arm against control and per target")
    references = (
        "Nie and Wager 2021, Quasi-oracle estimation of heterogeneous treatment effects, Biometrika",
        "econml 0.17: econml.dml.NonParamDML",
    )

    def _fit_target(self, X, treatment, y, seed):
        from econml.dml import NonParamDML

        models = []
        for k in range(1, self.n_arms_ + 1):
            rows = (treatment == 0) | (treatment == k)
            model = NonParamDML(
                model_y=self.nuisance(seed),
                model_t=prior_classifier(),
                model_final=lgbm(self.params_, seed),
                discrete_treatment=True,
                cv=3,
                random_state=seed,
            )
            model.fit(y[rows], (treatment[rows] == k).astype(np.int64), X=X[rows])
            models.append(model)
        return models

    def _predict_target(self, model, X) -> np.ndarray:
        return np.column_stack([m.effect(X) for m in model])
