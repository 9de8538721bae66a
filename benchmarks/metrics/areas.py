"""Areas under Qini and uplift curves in scikit-uplift 0.5.1's and causalml 0.18's normalisations."""

from __future__ import annotations

import numpy as np

from benchmarks.metrics._checks import UndefinedMetric, inputs
from benchmarks.metrics.curves import (
    Cumulative,
    cumulative,
    perfect_qini,
    perfect_uplift,
    qini_values,
    uplift_values,
)


def _normalised_area(actual: Cumulative, perfect: Cumulative, values) -> float:
    """(area(actual) - area(random)) / (area(perfect) - area(random)), scikit-uplift's ratio; random is
    the straight line to the perfect curve's end point."""
    y_actual, y_perfect = values(actual), values(perfect)
    baseline = perfect.n[-1] * y_perfect[-1] / 2
    denominator = np.trapezoid(y_perfect, perfect.n) - baseline
    if denominator == 0:
        raise UndefinedMetric("the perfect curve has no area above random (no effect to rank)")
    return float((np.trapezoid(y_actual, actual.n) - baseline) / denominator)


def qini_sklift(score, treatment, y) -> float:
    """`sklift.metrics.qini_auc_score(y, score, treatment, negative_effect=True)`; for a continuous
    outcome, the same formula with the perfect ranking by y*t - y*(1-t) (scikit-uplift rejects those)."""
    s, t, y = inputs(score, treatment, y)
    return _normalised_area(cumulative(s, t, y), perfect_qini(t, y), qini_values)


def auuc_sklift(score, treatment, y) -> float:
    """`sklift.metrics.uplift_auc_score(y, score, treatment)`; binary outcomes only (UndefinedMetric
    otherwise: scikit-uplift's perfect uplift curve has no continuous counterpart)."""
    s, t, y = inputs(score, treatment, y)
    perfect = perfect_uplift(t, y)
    return _normalised_area(cumulative(s, t, y), perfect, uplift_values)


def _defined(c: Cumulative, values: np.ndarray, need_treated: bool) -> tuple[np.ndarray, np.ndarray]:
    """Block ends where causalml's curve is defined, with the origin: causalml interpolates the others."""
    ok = c.nc > 0
    if need_treated:
        ok &= c.nt > 0
    ok[0] = True
    return c.n[ok], np.where(np.arange(ok.size) == 0, 0.0, values)[ok]


def _row_sum_linear(x: np.ndarray, v: np.ndarray) -> float:
    """Sum over rows 1..n of the curve linear in row position between (x, v) points."""
    length, start = np.diff(x), v[:-1]
    return float(np.sum(length * start + np.diff(v) * (length + 1) / 2))


def _row_sum_lift(x: np.ndarray, lift: np.ndarray) -> float:
    """Sum over rows 1..n of position * lift, lift linear in row position between (x, lift) points."""
    length, p, start = np.diff(x), x[:-1], lift[:-1]
    slope = np.diff(lift) / length
    s1, s2 = length * (length + 1) / 2, length * (length + 1) * (2 * length + 1) / 6
    return float(np.sum(p * start * length + (start + p * slope) * s1 + slope * s2))


def _end_value(value: float, what: str) -> float:
    if value == 0:
        raise UndefinedMetric(f"the {what} curve ends at 0, so causalml's normalisation divides by 0")
    return abs(value)


def qini_causalml(score, treatment, y) -> float:
    """`causalml.metrics.qini_score(df)` (normalize=True): mean over rows 0..n of the Qini curve scaled
    by its end point, minus the random line's."""
    s, t, y = inputs(score, treatment, y)
    c = cumulative(s, t, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        x, q = _defined(c, c.yt - c.yc * c.nt / c.nc, need_treated=False)
    end = _end_value(q[-1], "Qini")
    rows = x[-1] + 1
    return float((_row_sum_linear(x, q) / end - rows * (q[-1] / end) / 2) / rows)


def auuc_causalml(score, treatment, y) -> float:
    """`causalml.metrics.auuc_score(df)` (normalize=True): mean over rows 0..n of the cumulative gain
    (lift * rows) scaled by its end point."""
    s, t, y = inputs(score, treatment, y)
    c = cumulative(s, t, y)
    with np.errstate(invalid="ignore", divide="ignore"):
        x, lift = _defined(c, c.yt / c.nt - c.yc / c.nc, need_treated=True)
    end = _end_value(lift[-1] * x[-1], "cumulative gain")
    return _row_sum_lift(x, lift) / end / (x[-1] + 1)
