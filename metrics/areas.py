"""Areas under Qini and uplift curves in scikit-uplift 0.5.1's and causalml 0.18's normalisations, and a
shift-invariant form of scikit-uplift's Qini normalisation for continuous outcomes."""

from __future__ import annotations

import numpy as np

from metrics._checks import UndefinedMetric, binary_outcome, inputs, outcome_varies
from metrics.curves import (
    Cumulative,
    cumulative,
    first_block_with,
    lift_values,
    perfect_qini,
    perfect_qini_binary,
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
    """`sklift.metrics.qini_auc_score(y, score, treatment, negative_effect=True)`; binary outcomes with
    both classes only (UndefinedMetric otherwise, where scikit-uplift raises: on a continuous outcome
    its perfect curve, and so the area, depends on the outcome's zero point)."""
    s, t, y = inputs(score, treatment, y)
    binary_outcome(y, "scikit-uplift's Qini normalisation (qini, sklift)")
    outcome_varies(y)
    return _normalised_area(cumulative(s, t, y), perfect_qini_binary(t, y), qini_values)


def qini_sklift_centred(score, treatment, y) -> float:
    """scikit-uplift's Qini normalisation on y - median(y of control rows): unchanged by adding a constant
    to y or scaling it. Equals `qini_sklift` on a binary outcome whose control rows respond less than
    half the time (median 0)."""
    s, t, y = inputs(score, treatment, y)
    outcome_varies(y)
    centred = y - np.median(y[t == 0])
    return _normalised_area(cumulative(s, t, centred), perfect_qini(t, centred), qini_values)


def auuc_sklift(score, treatment, y) -> float:
    """`sklift.metrics.uplift_auc_score(y, score, treatment)`; binary outcomes with both classes only
    (UndefinedMetric otherwise: scikit-uplift's perfect uplift curve has no continuous counterpart)."""
    s, t, y = inputs(score, treatment, y)
    outcome_varies(y)
    perfect = perfect_uplift(t, y)
    return _normalised_area(cumulative(s, t, y), perfect, uplift_values)


def _segments_sum(x: np.ndarray, v: np.ndarray) -> float:
    """Sum over rows x[0]+1..x[-1] of the curve through the points (x, v), linear in row position between
    them: per segment, length * start + (end - start) * (length + 1) / 2, summed."""
    length = np.diff(x)
    return float(length @ v[:-1] + length @ v[1:] + v[-1] - v[0]) / 2


def _row_sum_linear(x: np.ndarray, v: np.ndarray) -> float:
    """Sum over rows 1..x[-1] of the curve from the origin through the points (x, v)."""
    return v[0] * (x[0] + 1) / 2 + _segments_sum(x, v)


def _end_value(value: float, what: str) -> float:
    if value == 0:
        raise UndefinedMetric(f"the {what} curve ends at 0, so causalml's normalisation divides by 0")
    return abs(value)


def qini_causalml(score, treatment, y) -> float:
    """`causalml.metrics.qini_score(df)` (normalize=True): mean over rows 0..n of the Qini curve scaled
    by its end point, minus the random line's. A one-valued outcome is UndefinedMetric (its curve ends
    at 0 up to rounding, which would make the scale arbitrary)."""
    s, t, y = inputs(score, treatment, y)
    outcome_varies(y)
    c = cumulative(s, t, y)
    first = first_block_with(c.nc)  # causalml's curve is defined from there
    x, q = c.n[first:], qini_values(c)[first:]
    end = _end_value(q[-1], "Qini")
    rows = x[-1] + 1
    return float((_row_sum_linear(x, q) / end - rows * (q[-1] / end) / 2) / rows)


def auuc_causalml(score, treatment, y) -> float:
    """`causalml.metrics.auuc_score(df)` (normalize=True): mean over rows 0..n of the cumulative gain
    (lift * rows) scaled by its end point. Rows before the first block end with both groups have no lift:
    causalml interpolates the lift there from 0, and so do we. Across a block of tied scores the gain,
    the quantity summed, is interpolated linearly (what a random order inside the block gives, nearly),
    so a constant score scores 0.5 as a random ranking does. A one-valued outcome is UndefinedMetric."""
    s, t, y = inputs(score, treatment, y)
    outcome_varies(y)
    c = cumulative(s, t, y)
    first = first_block_with(c.nc, c.nt)
    lead, x, lift = c.n[first - 1], c.n[first:], lift_values(c)[first:]
    gain = lift * x
    end = _end_value(gain[-1], "cumulative gain")
    slope = lift[0] / x[0]  # the interpolated lift at row r <= lead is slope * r, the gain slope * r^2
    lead_sum = slope * lead * (lead + 1) * (2 * lead + 1) / 6
    length, start = x[0] - lead, slope * lead**2  # the first block: gain linear from `start` to gain[0]
    first_block = length * start + (gain[0] - start) * (length + 1) / 2
    return (lead_sum + first_block + _segments_sum(x, gain)) / end / (x[-1] + 1)
