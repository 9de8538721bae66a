"""The HCL papers' R-learner baseline: ridge, constant propensity, cross-fitted, ranked by value only."""

from methods._causalml_meta import CausalmlMetaLearner
from methods.base import Capabilities


class RidgeRLearnerValue(CausalmlMetaLearner):
    """causalml's R-learner with ridge outcome and effect models (alpha 1.0 as in the HCL code), ranking
    by the value effect alone even when the data has cost (Zou et al. 2020's "R-learner")."""

    name = "rlearner-value"
    learner_class = "BaseRRegressor"
    uses_propensity = True
    capabilities = Capabilities(native="causalml: all arms in one fit; one fit per outcome")
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
        "Nie and Wager 2021, Quasi-oracle estimation of heterogeneous treatment effects, Biometrika",
    )
    defaults = {"alpha": 1.0}

    @classmethod
    def search_space(cls, trial):
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}

    def _learner(self, seed):
        from causalml.inference.meta import BaseRRegressor
        from sklearn.linear_model import Ridge

        return BaseRRegressor(learner=Ridge(alpha=self.params_["alpha"]), control_name=0, random_state=seed)

    def rank(self, X, *, value=0, cost=None):
        """The value effect of the best arm; cost is ignored by design."""
        return super().rank(X, value=value, cost=None)
