"""econml's DRLearner (doubly robust learner, Kennedy 2023) with a LightGBM final stage."""

from methods import Capabilities
from methods.core.econml_adapter import EconmlLgbmFinal, prior_classifier
from methods.core.learners import lgbm


class DrLearner(EconmlLgbmFinal):
    """Doubly robust pseudo-outcomes regressed on features; all arms in one fit, one fit per target."""

    name = "dr-learner"
    capabilities = Capabilities(native="econml: all arms in one fit; one fit per target")
    references = (
        "Kennedy 2023, Towards optimal doubly robust estimation of heterogeneous causal effects, EJS",
        "econml 0.17: econml.dr.DRLearner",
    )

    def _estimator(self, seed):
        from econml.dr import DRLearner

        return DRLearner(
            model_propensity=prior_classifier(),
            model_regression=self.nuisance(seed),
            model_final=lgbm(self.params_, seed),
            cv=3,
            random_state=seed,
        )
