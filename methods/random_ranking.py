"""Random targeting: the baseline every ranking must beat (AUCC 0.5, Qini 0 in expectation)."""

import numpy as np

from methods import Capabilities, UpliftMethod


class RandomRanking(UpliftMethod):
    """Scores drawn uniformly at random from the fit seed; learns nothing."""

    name = "random"
    capabilities = Capabilities(predicts_effects=False, native="needs nothing")
    references = ("Zou et al. 2020, the 'Random' row of the AUCC table",)

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        self.seed_ = seed

    def rank(self, X, *, value=0, cost=None):
        return np.random.default_rng(self.seed_).random(len(X))

    def arm_ranks(self, X, *, value=0, cost=0):
        """A random score per row and arm (n, K): a random arm for each row, in random order."""
        return np.random.default_rng(self.seed_).random((len(X), self.n_arms_))
