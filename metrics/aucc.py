"""AUCC, the area under the cost curve (Zou et al. 2020), in labelled variants, and the incremental value
reached at fixed shares of the incremental cost.

The cost curve ranks rows by score, descending; for the top rows it plots the incremental cost of
treating them (x) against the incremental value (y), both divided by their end points. AUCC is the
area under it, (A + B) / (2B) in the paper's words, so a random ranking scores 0.5.

- "hcl-code" (the headline): the HCL authors' evaluator as their code computes it, at 10 segments
  (deciles); "hcl-code-20": the same at 20 segments, the form the 2020 code that produced the paper's
  table calls (docs/metrics.md).
- "zou2020-text": the text's definition at every tie-block end: with the top rows, incremental value
  (number of treated rows among them) * (mean value of treated - mean value of control among them),
  incremental cost likewise; the area by the trapezoid rule along the ranking. Unbounded when effects
  change sign along the ranking.
- "bounded" (an extra, in neither paper): the text's points clipped to the unit square, and for every
  budget x the best value any cut of the ranking reaches at normalised incremental cost <= x (sorted by
  x, running maximum of y). Lies in [0, 1].

Ties: one rule for every variant. Rows with equal scores are ranked in a seeded random order
(`tie_seed`, default TIE_SEED), as the authors' shuffled rows and unstable quicksort order them; the
text's points lie at tie-block ends, where every order inside a block gives the same point, so only the
HCL code's cuts (which fall inside blocks) see the order.
"""

from __future__ import annotations

import numpy as np

from metrics._checks import UndefinedMetric, inputs, vector
from metrics.curves import first_block_with
from metrics.ranking import Ranking, ascending_rows

VARIANTS = ("hcl-code", "hcl-code-20", "zou2020-text", "bounded")
HCL_SEGMENTS = {"hcl-code": 10, "hcl-code-20": 20}
HCL_FLOOR = 1e-7
TIE_SEED = 0  # the fixed default: an AUCC is a deterministic function of its inputs
COST_SHARES = (0.1, 0.2, 0.3)


def _checked(score, treatment, value, cost):
    s, t, v = inputs(score, treatment, value)
    return s, t, v, vector("cost", cost, s.shape[0])


def text_points(score, treatment, value, cost) -> tuple[np.ndarray, np.ndarray]:
    """The text's cost curve (x = incremental cost, y = incremental value, both / end point), from the
    origin through every tie-block end where the top rows hold treated and control rows: at each, the
    number of treated rows in the top times the difference of treated and control means there. Points
    at block ends do not depend on the order inside a block, so no tie order is drawn."""
    s, t, v, c = _checked(score, treatment, value, cost)
    ranking = Ranking(s)
    treated, ranked_v, ranked_c = ranking.ranked(t == 1), ranking.ranked(v), ranking.ranked(c)
    nt, nc = ranking.ranked_cumsum(treated), ranking.ranked_cumsum(~treated)
    first = first_block_with(nt, nc)
    nt, nc = nt[first:], nc[first:]

    def increment(ranked: np.ndarray) -> np.ndarray:
        """treated rows * (treated mean - control mean) at each block end from `first`."""
        total, on_treated = ranking.ranked_cumsum(ranked), ranking.ranked_cumsum(ranked * treated)
        out = on_treated[first:] / nt
        out -= (total[first:] - on_treated[first:]) / nc
        out *= nt
        return out

    value_inc, cost_inc = increment(ranked_v), increment(ranked_c)
    if cost_inc[-1] <= 0 or value_inc[-1] <= 0:
        raise UndefinedMetric(
            f"treating everyone has incremental cost {cost_inc[-1]:.4g} and value {value_inc[-1]:.4g}; "
            "the cost curve needs both positive to normalise"
        )
    return np.r_[0.0, cost_inc / cost_inc[-1]], np.r_[0.0, value_inc / value_inc[-1]]


def bounded_points(score, treatment, value, cost) -> tuple[np.ndarray, np.ndarray]:
    """The text points clipped to [0, 1]^2, sorted by cost, value as a running maximum (points of equal
    cost in ranking order: the curve rises straight up there, adding no area)."""
    x, y = (np.clip(a, 0.0, 1.0) for a in text_points(score, treatment, value, cost))
    order, _ = ascending_rows(x)
    return x[order], np.maximum.accumulate(y[order])


def hcl_code_points(
    score, treatment, value, cost, tie_seed: int = TIE_SEED, segments: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The HCL code's segment curve: cuts at 0, s, 2s, ... < n rows (s = n // segments); at each, the
    value of treating the top share p as treated-targeted mean * p + control-untargeted mean * (1 - p)
    (treated-targeted mean alone when p > 0.99) minus the control mean, floored at 1e-7, times the
    control size; cost likewise; value forced non-decreasing; both divided by the last point, clipped
    at 1, and the last point set to (1, 1)."""
    s, t, v, c = _checked(score, treatment, value, cost)
    n = s.shape[0]
    if n < segments:
        raise ValueError(f"the HCL code's {segments} segments need at least {segments} rows, got {n}")
    cuts = np.arange(n // segments, n, n // segments)
    control = t == 0
    n_control = float(control.sum())
    sums = Ranking(s, tie_seed).top_sums(cuts, [t, v * t, c * t, 1.0 - t, v * (1 - t), c * (1 - t)])
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


def cost_curve(
    score, treatment, value, cost, variant: str = "hcl-code", tie_seed: int = TIE_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) points of one variant's cost curve, normalised to end at (1, 1)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown AUCC variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    if variant in HCL_SEGMENTS:
        return hcl_code_points(score, treatment, value, cost, tie_seed, HCL_SEGMENTS[variant])
    return {"bounded": bounded_points, "zou2020-text": text_points}[variant](score, treatment, value, cost)


def aucc(score, treatment, value, cost, variant: str = "hcl-code", tie_seed: int = TIE_SEED) -> float:
    """Area under one variant's cost curve (random = 0.5). Treatment must be 0/1."""
    x, y = cost_curve(score, treatment, value, cost, variant, tie_seed)
    area = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
    if np.isnan(area):
        raise UndefinedMetric(f"AUCC ({variant}) is undefined: a cut has no treated or no control rows")
    return area


def value_at_cost(score, treatment, value, cost, shares=COST_SHARES) -> np.ndarray:
    """For each share x of the incremental cost of treating everyone: the incremental value, as a share
    of treating everyone's and not clipped, that treating the top rows reaches when their incremental
    cost first reaches x (walking down the text's cost curve, linear between its points)."""
    shares = np.asarray(shares, dtype=np.float64)
    if shares.ndim != 1 or not np.all((shares > 0) & (shares <= 1)):
        raise ValueError(f"cost shares must lie in (0, 1], got {shares}")
    return value_where_reached(*text_points(score, treatment, value, cost), shares)


def value_where_reached(x, y, shares) -> np.ndarray:
    """For each share (> x[0]): y where the walk along the points (x, y) first reaches x = share, linear
    between points; where it never does, y at the highest x."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    i = np.searchsorted(np.maximum.accumulate(x), shares, side="left")  # x[i-1] < share <= x[i]
    j = np.minimum(i, len(x) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # the shares never reached take the last branch
        between = y[j - 1] + (y[j] - y[j - 1]) * (shares - x[j - 1]) / (x[j] - x[j - 1])
    return np.where(i < len(x), between, y[np.argmax(x)])
