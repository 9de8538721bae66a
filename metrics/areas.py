"""Areas under Qini and uplift curves in scikit-uplift 0.5.1's and causalml 0.18's normalisations."""

from __future__ import annotations

import numpy as np

from metrics._checks import UndefinedMetric, inputs
from metrics.curves import (
    Cumulative,
    cumulative,
    first_block_with,
    lift_values,
    perfect_qini,
    perfect_uplift,
    qini_values,
    uplift_values,
)


def trapezoid(x: np.ndarray, y: np.ndarray) -> float:
    """`np.trapezoid(y, x)` as two dot products over one array of widths (no other temporaries)."""
    width = np.diff(x)
    return float(width @ y[1:] + width @ y[:-1]) / 2


def _normalised_area(actual: Cumulative, perfect: Cumulative, values) -> float:
    """(area(actual) - area(random)) / (area(perfect) - area(random)), scikit-uplift's ratio; random is
    the straight line to the perfect curve's end point."""
    y_perfect = values(perfect)
    baseline = perfect.n[-1] * y_perfect[-1] / 2
    denominator = trapezoid(perfect.n, y_perfect) - baseline
    if denominator == 0:
        raise UndefinedMetric("the perfect curve has no area above random (no effect to rank)")
    return float((trapezoid(actual.n, values(actual)) - baseline) / denominator)


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


def _row_sum_linear(x: np.ndarray, v: np.ndarray) -> float:
    """Sum over rows 1..x[-1] of the curve from the origin through the points (x, v), linear in row
    position between them: per segment, length * start + (end - start) * (length + 1) / 2, summed."""
    length = np.diff(x)
    segments = float(length @ v[:-1] + length @ v[1:] + v[-1] - v[0]) / 2
    return v[0] * (x[0] + 1) / 2 + segments


def _lift_segments(p, length, start, end) -> float:
    """Sum over the rows p+1..p+length of each segment of row * lift, lift linear from start to end."""
    slope = (end - start) / length
    s1, s2 = length * (length + 1) / 2, length * (length + 1) * (2 * length + 1) / 6
    return float(np.sum(p * start * length + (start + p * slope) * s1 + slope * s2))


def _row_sum_lift(x: np.ndarray, lift: np.ndarray) -> float:
    """Sum over rows 1..x[-1] of row * lift, lift linear in row position from the origin through the
    points (x, lift). A segment of one row adds its end point; longer ones (ties) are summed exactly."""
    total = float(x[1:] @ lift[1:])
    long = np.flatnonzero(np.diff(x) > 1)
    if long.size:
        p, start, end = x[long], lift[long], lift[long + 1]
        total += _lift_segments(p, x[long + 1] - p, start, end) - float(x[long + 1] @ end)
    return total + _lift_segments(0.0, x[0], 0.0, lift[0])


def _end_value(value: float, what: str) -> float:
    if value == 0:
        raise UndefinedMetric(f"the {what} curve ends at 0, so causalml's normalisation divides by 0")
    return abs(value)


def qini_causalml(score, treatment, y) -> float:
    """`causalml.metrics.qini_score(df)` (normalize=True): mean over rows 0..n of the Qini curve scaled
    by its end point, minus the random line's."""
    s, t, y = inputs(score, treatment, y)
    c = cumulative(s, t, y)
    first = first_block_with(c.nc)  # causalml's curve is defined from there
    x, q = c.n[first:], qini_values(c)[first:]
    end = _end_value(q[-1], "Qini")
    rows = x[-1] + 1
    return float((_row_sum_linear(x, q) / end - rows * (q[-1] / end) / 2) / rows)


def auuc_causalml(score, treatment, y) -> float:
    """`causalml.metrics.auuc_score(df)` (normalize=True): mean over rows 0..n of the cumulative gain
    (lift * rows) scaled by its end point."""
    s, t, y = inputs(score, treatment, y)
    c = cumulative(s, t, y)
    first = first_block_with(c.nc, c.nt)
    x, lift = c.n[first:], lift_values(c)[first:]
    end = _end_value(lift[-1] * x[-1], "cumulative gain")
    return _row_sum_lift(x, lift) / end / (x[-1] + 1)
