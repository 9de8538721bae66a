"""The HCL papers' ridge R-learner (causalml's BaseRRegressor over ridge models, constant propensity,
cross-fitted), shared by the `rlearner-value` and `rlearner-duality` plug-ins."""

from methods.core.base import Capabilities
from methods.core.causalml_meta import CausalmlMetaLearner


class RidgeRLearner(CausalmlMetaLearner):
    """causalml's R-learner with ridge outcome and effect models (alpha 1.0 as in the HCL code)."""

    learner_class = "BaseRRegressor"
    uses_propensity = True
    capabilities = Capabilities(native="causalml: all arms in one fit; one fit per outcome")
    defaults = {"alpha": 1.0}
    fast_params = {}

    @classmethod
    def search_space(cls, trial):
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}

    def _learner(self, seed):
        from causalml.inference.meta import BaseRRegressor
        from sklearn.linear_model import Ridge

        return BaseRRegressor(learner=Ridge(alpha=self.params_["alpha"]), control_name=0, random_state=seed)
