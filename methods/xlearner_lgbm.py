"""causalml's X-learner (BaseXRegressor) over LightGBM."""

from methods.core.causalml_meta import CausalmlMetaLearner


class XRegressorLgbm(CausalmlMetaLearner):
    """X-learner with LightGBM base learners; every arm in one causalml fit, one fit per outcome."""

    name = "xlearner-lgbm"
    learner_class = "BaseXRegressor"
    uses_propensity = True
    references = (
        "Kunzel et al. 2019, Metalearners for estimating heterogeneous treatment effects, PNAS",
        "causalml 0.18: causalml.inference.meta.BaseXRegressor",
    )
