"""Difference in means: the covariate-free floor an effect method must beat to have learnt heterogeneity."""

import numpy as np

from methods import Capabilities, UpliftMethod


class DifferenceInMeans(UpliftMethod):
    """Per arm and target, the treated-minus-control mean of the training rows; the same effect for every
    row (the average treatment effect of a randomised trial)."""

    name = "difference-in-means"
    capabilities = Capabilities(native="one mean per arm and target; ignores the features")
    references = ("Neyman 1923, the difference-in-means estimator of the average treatment effect",)

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        means = np.stack([y[treatment == k].mean(axis=0) for k in range(self.n_arms_ + 1)])
        self.effects_ = means[1:] - means[:1]

    def _predict(self, X):
        return np.broadcast_to(self.effects_, (len(X), *self.effects_.shape)).copy()
