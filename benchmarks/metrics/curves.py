"""Qini and uplift curves at tie-block ends, and the perfect curves scikit-uplift normalises by.

A curve is described by four cumulative sums at the end of every tie block of the ranking: rows `n`,
treated rows `nt`, outcome summed over treated rows `yt` and over control rows `yc`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from benchmarks.metrics._checks import binary_outcome, is_binary
from benchmarks.metrics.ranking import Ranking


class Cumulative(NamedTuple):
    """Cumulative sums at block ends, the empty prefix first."""

    n: np.ndarray
    nt: np.ndarray
    yt: np.ndarray
    yc: np.ndarray

    @property
    def nc(self) -> np.ndarray:
        return self.n - self.nt


def cumulative(score: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> Cumulative:
    """The cumulative sums of the ranking by `score` (one sort). With a binary outcome the row's group
    (treated or not, responder or not) travels as one byte through the ranking, not as three floats."""
    ranking = Ranking(score)
    ends = ranking.ends.astype(np.float64)
    if is_binary(y):
        code = ranking.ranked(treatment.astype(np.int8) + 2 * y.astype(np.int8))
        treated, responder = (code & 1).astype(bool), code >= 2
        return Cumulative(
            ends,
            ranking.ranked_cumsum(treated),
            ranking.ranked_cumsum(treated & responder),
            ranking.ranked_cumsum(~treated & responder),
        )
    yt = y * treatment
    return Cumulative(ends, ranking.cumsum(treatment), ranking.cumsum(yt), ranking.cumsum(y - yt))


def _blocks(sizes: list[tuple[float, float, float, float]]) -> Cumulative:
    """Cumulative sums of consecutive blocks given as (rows, treated rows, yt, yc); empty blocks dropped."""
    kept = np.array([(0.0, 0.0, 0.0, 0.0)] + [s for s in sizes if s[0] > 0])
    return Cumulative(*np.cumsum(kept, axis=0).T)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, 0 where b == 0 (scikit-uplift's convention)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def qini_values(c: Cumulative) -> np.ndarray:
    """Radcliffe's Qini curve yt - yc * nt / nc at each block end (0 where there is no control row yet)."""
    return c.yt - c.yc * _divide(c.nt, c.nc)


def uplift_values(c: Cumulative) -> np.ndarray:
    """The uplift curve (yt/nt - yc/nc) * n at each block end, a missing group's mean counted as 0."""
    return (_divide(c.yt, c.nt) - _divide(c.yc, c.nc)) * c.n


def perfect_qini(treatment: np.ndarray, y: np.ndarray) -> Cumulative:
    """scikit-uplift's perfect Qini ranking with negative effects (score y*t - y*(1-t)). For a binary
    outcome the blocks are counted, not sorted; for a continuous one the same score is ranked."""
    if not np.all((y == 0) | (y == 1)):
        return cumulative(y * treatment - y * (1 - treatment), treatment, y)
    nt = float(treatment.sum())
    tr = float((y * treatment).sum())
    cr = float(y.sum()) - tr
    zeros = treatment.shape[0] - tr - cr
    return _blocks([(tr, tr, tr, 0.0), (zeros, nt - tr, 0.0, 0.0), (cr, 0.0, 0.0, cr)])


def perfect_uplift(treatment: np.ndarray, y: np.ndarray) -> Cumulative:
    """scikit-uplift's perfect uplift ranking (binary outcomes only): treated responders, control
    non-responders, then the smaller of the two harmful groups last."""
    binary_outcome(y, "the perfect uplift curve (AUUC, sklift)")
    n = treatment.shape[0]
    nt = float(treatment.sum())
    tr = float((y * treatment).sum())
    cr = float(y.sum()) - tr
    tn, cn = nt - tr, n - nt - cr
    blocks = [(tr, tr, tr, 0.0), (cn, 0.0, 0.0, 0.0)]
    harmful = [(cr, 0.0, 0.0, cr), (tn, tn, 0.0, 0.0)]
    return _blocks(blocks + (harmful if cr > tn else harmful[::-1]))
