"""The synthetic MTMT trial: balanced arms, the documented base rates, low-rank arm increments on top of
a common base effect, and negative controls that have neither."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import synthetic_mtmt
from datasets.base import DataError


def increments_rank(data) -> int:
    """Rank across arms of the continuous task's increments (effect minus the common effect)."""
    increments = data.tau[:, :, 2] - data.meta["common_effect"][:, 2:3]
    return int(np.linalg.matrix_rank(increments.astype(np.float64), tol=1e-4))


def test_arms_are_balanced_and_rates_are_as_documented():
    data = synthetic_mtmt.generate(n_arms=4, rows_per_arm=3000, seed=1)
    assert data.X.shape == (15000, 20) and data.tau.shape == (15000, 4, 3) and data.n_outcomes == 3
    assert np.bincount(data.treatment).tolist() == [3000] * 5
    control = data.treatment == 0
    assert abs(data.y[control, 0].mean() - 0.25) < 0.05 and abs(data.y[control, 1].mean() - 0.08) < 0.03
    assert set(np.unique(data.y[:, :2])) == {0.0, 1.0} and len(np.unique(data.y[:, 2])) > 100
    correlation = np.corrcoef(data.X[:, 0], data.X[:, 1])[0, 1]
    assert abs(correlation - 0.3) < 0.05


def test_increments_have_rank_two_across_arms_and_scale_with_gamma():
    data = synthetic_mtmt.generate(n_arms=8, rows_per_arm=500, gamma=0.3, seed=2)
    assert increments_rank(data) == 2
    assert data.meta["common_effect"][:, 2].mean() > 0.3
    big = synthetic_mtmt.generate(n_arms=8, rows_per_arm=500, gamma=1.0, seed=2)
    ratio = np.std(big.tau[:, :, 2] - big.meta["common_effect"][:, 2:3]) / np.std(
        data.tau[:, :, 2] - data.meta["common_effect"][:, 2:3]
    )
    assert abs(ratio - 1.0 / 0.3) < 0.01


def test_negative_controls_share_nothing():
    independent = synthetic_mtmt.generate(n_arms=8, rows_per_arm=500, increments="independent", seed=2)
    assert increments_rank(independent) == 8 and not independent.meta["common_effect"].any()
    orthogonal = synthetic_mtmt.generate(n_arms=4, rows_per_arm=2000, tasks="orthogonal", seed=2)
    shared = synthetic_mtmt.generate(n_arms=4, rows_per_arm=2000, seed=2)

    def task_correlation(data):
        return abs(np.corrcoef(data.meta["common_effect"][:, 0], data.meta["common_effect"][:, 2])[0, 1])

    assert task_correlation(orthogonal) < 0.1 < task_correlation(shared)


def test_same_seed_same_trial_and_bad_options_are_data_errors():
    a, b = (synthetic_mtmt.load(None, n_arms=2, rows_per_arm=50, seed=5) for _ in range(2))
    np.testing.assert_array_equal(a.X, b.X) and np.testing.assert_array_equal(a.y, b.y)
    with pytest.raises(DataError):
        synthetic_mtmt.load(None, increments="random")
    with pytest.raises(DataError):
        synthetic_mtmt.load(None, n_arms=0)
