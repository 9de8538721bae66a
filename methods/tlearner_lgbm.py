"""causalml's T-learner (BaseTRegressor) over LightGBM."""

from methods.core.causalml_meta import CausalmlMetaLearner


class TRegressorLgbm(CausalmlMetaLearner):
    """T-learner with LightGBM base learners; every arm in one causalml fit, one fit per outcome."""

    name = "tlearner-lgbm"
    learner_class = "BaseTRegressor"
    uses_propensity = False
    references = (
        "Kunzel et al. 2019, Metalearners for estimating heterogeneous treatment effects, PNAS",
        "causalml 0.18: causalml.inference.meta.BaseTRegressor",
    )
