"""causalml's R-learner (BaseRRegressor) over LightGBM."""

from methods.core.causalml_meta import CausalmlMetaLearner


class RRegressorLgbm(CausalmlMetaLearner):
    """R-learner with LightGBM base learners; every arm in one causalml fit, one fit per outcome."""

    name = "rlearner-lgbm"
    learner_class = "BaseRRegressor"
    uses_propensity = True
    references = (
        "Nie and Wager 2021, Quasi-oracle estimation of heterogeneous treatment effects, Biometrika",
        "causalml 0.18: causalml.inference.meta.BaseRRegressor",
    )
