"""causalml's S-learner (BaseSRegressor) over LightGBM."""

from methods.core.causalml_meta import CausalmlMetaLearner


class SRegressorLgbm(CausalmlMetaLearner):
    """S-learner with LightGBM base learners; every arm in one causalml fit, one fit per outcome."""

    name = "slearner-lgbm"
    learner_class = "BaseSRegressor"
    uses_propensity = False
    references = (
        "Kunzel et al. 2019, Metalearners for estimating heterogeneous treatment effects, PNAS",
        "causalml 0.18: causalml.inference.meta.BaseSRegressor",
    )
