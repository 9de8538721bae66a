"""The HCL papers' R-learner baseline, ranked by value only (model: methods/core/ridge_rlearner.py)."""

from methods.core.ridge_rlearner import RidgeRLearner


class RidgeRLearnerValue(RidgeRLearner):
    """causalml's ridge R-learner ranking by the value effect alone even when the data has cost (Zou et
    al. 2020's "R-learner")."""

    name = "rlearner-value"
    references = (
        "Zou et al. 2020, Heterogeneous causal learning for effectiveness optimization in user marketing",
        "Nie and Wager 2021, Quasi-oracle estimation of heterogeneous treatment effects, Biometrika",
    )

    def rank(self, X, *, value=0, cost=None):
        """The value effect of the best arm; cost is ignored by design."""
        return super().rank(X, value=value, cost=None)
