"""Seeded percentile bootstrap confidence intervals for any metric of row-aligned arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from metrics._checks import UndefinedMetric


def bootstrap_ci(
    metric: Callable[..., float],
    *arrays,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """(low, high) percentile interval of `metric(*arrays)` over `n_boot` resamples of rows with
    replacement drawn by `numpy.random.default_rng(seed)`; resamples where the metric is undefined
    (UndefinedMetric, NaN) are dropped, and an interval with fewer than half of them left is NaN. Any
    other error (bad input) propagates."""
    if n_boot < 1 or not 0 < level < 1:
        raise ValueError(f"need n_boot >= 1 and 0 < level < 1, got {n_boot} and {level}")
    arrays = [np.asarray(a) for a in arrays]
    n = arrays[0].shape[0]
    if any(a.shape[0] != n for a in arrays):
        raise ValueError("bootstrap arrays have different numbers of rows (lengths differ)")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        rows = rng.integers(0, n, n)
        try:
            values.append(metric(*(a[rows] for a in arrays)))
        except UndefinedMetric:
            values.append(np.nan)
    values = np.asarray(values, dtype=np.float64)
    kept = values[~np.isnan(values)]
    if kept.size < n_boot / 2:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(kept, [tail, 100 - tail])
    return float(low), float(high)
