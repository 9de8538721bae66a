"""Multi-arm scoring: each arm against control on the rows of control and that arm, then the mean."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def arm_rows(treatment: np.ndarray, arm: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of control or `arm` (a boolean mask) and their 0/1 treatment."""
    rows = (treatment == 0) | (treatment == arm)
    return rows, (treatment[rows] == arm).astype(np.float64)


def per_arm(metric: Callable[..., float], scores, treatment, y, *args, **kwargs) -> tuple[list[float], float]:
    """`metric(score_k, t_k, y_k)` for every arm k = 1..K on control ∪ arm k, with `scores[:, k-1]` the
    arm's score (n, K); and the mean over arms."""
    scores, treatment = np.asarray(scores), np.asarray(treatment)
    if scores.ndim != 2 or scores.shape[0] != treatment.shape[0]:
        raise ValueError(f"scores must have shape ({treatment.shape[0]}, K), got {scores.shape}")
    if treatment.dtype.kind not in "iu" or treatment.min() < 0 or treatment.max() > scores.shape[1]:
        raise ValueError(f"treatment must hold integer codes 0..{scores.shape[1]} (one score column per arm)")
    y = np.asarray(y)
    values = []
    for k in range(1, scores.shape[1] + 1):
        rows, t = arm_rows(treatment, k)
        values.append(metric(scores[rows, k - 1], t, y[rows], *args, **kwargs))
    return values, float(np.mean(values))
