"""The difference-in-means floor: per arm and target the treated-minus-control mean of the training rows."""

from __future__ import annotations

import numpy as np

from methods.difference_in_means import DifferenceInMeans


def test_effects_are_the_training_rows_mean_differences_the_same_for_every_row():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    treatment = np.repeat([0, 1, 2], 20)
    y = np.column_stack([treatment * 0.5 + rng.normal(size=60), rng.integers(0, 2, 60)])
    cost = rng.normal(size=60)
    method = DifferenceInMeans().fit(X, treatment, y, cost=cost, seed=0)
    effects = method.predict(rng.normal(size=(7, 4)))
    for arm in (1, 2):
        expected = y[treatment == arm].mean(0) - y[treatment == 0].mean(0)
        np.testing.assert_allclose(effects[:, arm - 1], np.tile(expected, (7, 1)))
    expected_cost = cost[treatment == 2].mean() - cost[treatment == 0].mean()
    np.testing.assert_allclose(method.predict_cost(X[:3])[:, 1, 0], expected_cost)
