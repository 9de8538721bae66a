"""uplift@k as scikit-uplift 0.5.1's `uplift_at_k` defines it (LIFT@30 is k=0.3, strategy='overall')."""

from __future__ import annotations

import numpy as np

from metrics._checks import UndefinedMetric, inputs, outcome_varies


def _checked_k(k, n: int) -> float | int:
    """k as a fraction in (0, 1) (float) or a row count in (0, n) (int), as scikit-uplift takes it;
    anything else (a bool, a string, an array) is a ValueError."""
    if isinstance(k, bool | np.bool_) or not isinstance(k, int | float | np.integer | np.floating):
        raise ValueError(f"k must be a fraction in (0, 1) or a row count, got {k!r}")
    if isinstance(k, int | np.integer):
        if not 0 < k < n:
            raise ValueError(f"k={k} rows must lie in (0, {n})")
        return int(k)
    if not 0 < k < 1:
        raise ValueError(f"k={k} must lie in (0, 1) when given as a fraction")
    return float(k)


def _top_size(k: float | int, n: int) -> int:
    """Rows in the top of n: int(n * k) for a fraction k, k itself for a row count."""
    return int(n * k) if isinstance(k, float) else k


def _mean(total: float, count: float, group: str) -> float:
    if count == 0:
        raise UndefinedMetric(f"no {group} rows among the top k: uplift@k is undefined")
    return total / count


def top_rows(score: np.ndarray, m: int) -> np.ndarray:
    """Indices of the m highest-ranked rows, ties at the cut taken by the tie rule (highest row index
    first), found with a partition instead of a sort."""
    n = score.shape[0]
    if m <= 0:
        return np.empty(0, dtype=np.int64)
    threshold = np.partition(score, n - m)[n - m]
    above = np.flatnonzero(score > threshold)
    ties = np.flatnonzero(score == threshold)
    return np.r_[above, ties[len(ties) - (m - len(above)) :]]


def uplift_at_k(score, treatment, y, k: float | int = 0.3, strategy: str = "overall") -> float:
    """Mean outcome of treated minus control rows among the top k ranked rows ('overall'), or among the
    top k share of each group ranked separately ('by_group'); ties cut by the tie rule."""
    if strategy not in ("overall", "by_group"):
        raise ValueError(f"strategy must be 'overall' or 'by_group', got {strategy!r}")
    s, t, y = inputs(score, treatment, y)
    outcome_varies(y)
    k = _checked_k(k, s.shape[0])
    if strategy == "overall":
        m = _top_size(k, s.shape[0])
        top = top_rows(s, m)
        treated, y_top = t[top] == 1, y[top]
        count_t = float(treated.sum())
        return _mean(float(y_top[treated].sum()), count_t, "treated") - _mean(
            float(y_top[~treated].sum()), m - count_t, "control"
        )
    means = []
    for group in (t == 1, t == 0):
        size = int(group.sum())
        m = _top_size(k, size)
        if not 0 < m <= size:
            raise UndefinedMetric(f"k={k} selects {m} of the {size} rows of a group")
        means.append(float(y[group][top_rows(s[group], m)].sum()) / m)
    return float(means[0] - means[1])
