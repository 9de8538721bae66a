"""causalml's meta-learners over LightGBM, multi-arm natively (one fit serves every arm)."""

from __future__ import annotations

import numpy as np

from methods.core.base import Capabilities
from methods.core.learners import LGBM_DEFAULTS, PerTarget, causalml_p, lgbm, suggest_lgbm


class CausalmlMetaLearner(PerTarget):
    """A causalml Base*Regressor per target column; subclasses name the learner class in `learner_class`."""

    learner_class = ""
    uses_propensity = False
    capabilities = Capabilities(native="causalml: all arms in one fit; one fit per outcome")
    defaults = dict(LGBM_DEFAULTS)
    fast_params = {"n_estimators": 10}

    @classmethod
    def search_space(cls, trial):
        return suggest_lgbm(trial)

    def _learner(self, seed):
        import causalml.inference.meta as meta

        return getattr(meta, self.learner_class)(learner=lgbm(self.params_, seed), control_name=0)

    def _fit_target(self, X, treatment, y, seed):
        model = self._learner(seed)
        extra = {"p": causalml_p(self.shares_, len(y))} if self.uses_propensity else {}
        model.fit(X=X, treatment=treatment, y=y, **extra)
        return model

    def _predict_target(self, model, X) -> np.ndarray:
        extra = {"p": causalml_p(self.shares_, len(X))} if self.uses_propensity else {}
        if self.learner_class != "BaseRRegressor":  # the R-learner's predict has no verbose switch
            extra["verbose"] = False
        return np.asarray(model.predict(X=X, **extra)).reshape(len(X), -1)
