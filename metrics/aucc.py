"""AUCC, the area under the cost curve (Zou et al. 2020), in three labelled variants.

The cost curve ranks rows by score, descending; for the top rows it plots the incremental cost of
treating them (x) against the incremental value (y), both divided by their end points. AUCC is the
area under it, (A + B) / (2B) in the paper's words, so a random ranking scores 0.5.

- "zou2020-text": the text's definition at every tie-block end: with the top m rows, incremental value
  m * (mean value of treated - mean value of control among them), incremental cost likewise; the area
  by the trapezoid rule along the ranking. Unbounded when effects change sign along the ranking.
- "bounded" (the headline): the text's points clipped to the unit square, and for every budget x the
  best value any cut of the ranking reaches at normalised incremental cost <= x (sorted by x, running
  maximum of y). Lies in [0, 1]; equals "zou2020-text" whenever that curve stays in the unit square
  with both axes non-decreasing along the ranking.
- "hcl-code": the HCL authors' decile estimator, as their code computes it (docs/metrics.md).
"""

from __future__ import annotations

import numpy as np

from metrics._checks import UndefinedMetric, inputs, vector
from metrics.curves import first_block_with
from metrics.ranking import Ranking, ascending_rows

VARIANTS = ("bounded", "zou2020-text", "hcl-code")
HCL_FLOOR = 1e-7


def _checked(score, treatment, value, cost):
    s, t, v = inputs(score, treatment, value)
    return s, t, v, vector("cost", cost, s.shape[0])


def text_points(score, treatment, value, cost) -> tuple[np.ndarray, np.ndarray]:
    """The text's cost curve (x = incremental cost, y = incremental value, both / end point), from the
    origin through every tie-block end where the top rows hold treated and control rows."""
    s, t, v, c = _checked(score, treatment, value, cost)
    ranking = Ranking(s)
    treated, ranked_v, ranked_c = ranking.ranked(t == 1), ranking.ranked(v), ranking.ranked(c)
    nt, nc = ranking.ranked_cumsum(treated), ranking.ranked_cumsum(~treated)
    first = first_block_with(nt, nc)
    n, nt, nc = ranking.ends[first:], nt[first:], nc[first:]

    def increment(ranked: np.ndarray) -> np.ndarray:
        """n * (treated mean - control mean) at each block end from `first`."""
        total, on_treated = ranking.ranked_cumsum(ranked), ranking.ranked_cumsum(ranked * treated)
        out = on_treated[first:] / nt
        out -= (total[first:] - on_treated[first:]) / nc
        out *= n
        return out

    value_inc, cost_inc = increment(ranked_v), increment(ranked_c)
    if cost_inc[-1] <= 0 or value_inc[-1] <= 0:
        raise UndefinedMetric(
            f"treating everyone has incremental cost {cost_inc[-1]:.4g} and value {value_inc[-1]:.4g}; "
            "the cost curve needs both positive to normalise"
        )
    return np.r_[0.0, cost_inc / cost_inc[-1]], np.r_[0.0, value_inc / value_inc[-1]]


def bounded_points(score, treatment, value, cost) -> tuple[np.ndarray, np.ndarray]:
    """The headline curve: text points clipped to [0, 1]^2, sorted by cost, value as a running maximum
    (points of equal cost in ranking order: the curve rises straight up there, adding no area)."""
    x, y = (np.clip(a, 0.0, 1.0) for a in text_points(score, treatment, value, cost))
    order, _ = ascending_rows(x)
    return x[order], np.maximum.accumulate(y[order])


def hcl_code_points(score, treatment, value, cost) -> tuple[np.ndarray, np.ndarray]:
    """The HCL code's decile curve: cuts at 0, s, 2s, ... < n rows (s = n // 10); at each, the value of
    treating the top share p as treated-targeted mean * p + control-untargeted mean * (1 - p) (treated-
    targeted mean alone when p > 0.99) minus the control mean, floored at 1e-7, times the control size;
    cost likewise; value forced non-decreasing; both divided by the last point, clipped at 1, and the
    last point set to (1, 1)."""
    s, t, v, c = _checked(score, treatment, value, cost)
    n = s.shape[0]
    if n < 10:
        raise ValueError(f"the HCL code's deciles need at least 10 rows, got {n}")
    cuts = np.arange(n // 10, n, n // 10)
    control = t == 0
    n_control = float(control.sum())
    sums = Ranking(s).top_sums(cuts, [t, v * t, c * t, 1.0 - t, v * (1 - t), c * (1 - t)])
    nt, vt, ct, nc, vc, cc = sums.T
    total_vc, total_cc = float(v[control].sum()), float(c[control].sum())
    p = cuts / n
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = n_control - nc
        value_pu = np.where(p > 0.99, vt / nt, vt / nt * p + (total_vc - vc) / rest * (1 - p))
        cost_pu = np.where(p > 0.99, ct / nt, ct / nt * p + (total_cc - cc) / rest * (1 - p))
    iv = _floor(value_pu - total_vc / n_control) * n_control
    ic = _floor(cost_pu - total_cc / n_control) * n_control
    ios, ics = [0.0], np.r_[0.0, ic]
    for io in iv:
        ios.append(ios[-1] if io < ios[-1] else io)
    ips, ios = np.minimum(ics / ics[-1], 1.0), np.minimum(np.array(ios) / ios[-1], 1.0)
    ips[-1], ios[-1] = 1.0, 1.0
    return ips, ios


def _floor(a: np.ndarray) -> np.ndarray:
    """Python's max(a, 1e-7) elementwise, NaN kept as the code's max keeps it."""
    return np.where(a < HCL_FLOOR, HCL_FLOOR, a)


POINTS = {"bounded": bounded_points, "zou2020-text": text_points, "hcl-code": hcl_code_points}


def cost_curve(score, treatment, value, cost, variant: str = "bounded") -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) points of one variant's cost curve, normalised to end at (1, 1)."""
    if variant not in POINTS:
        raise ValueError(f"unknown AUCC variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    return POINTS[variant](score, treatment, value, cost)


def aucc(score, treatment, value, cost, variant: str = "bounded") -> float:
    """Area under one variant's cost curve (random = 0.5). Treatment must be 0/1."""
    x, y = cost_curve(score, treatment, value, cost, variant)
    area = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
    if np.isnan(area):
        raise UndefinedMetric(f"AUCC ({variant}) is undefined: a cut has no treated or no control rows")
    return area
