"""Qini and uplift curves at tie-block ends, and the perfect curves scikit-uplift normalises by.

A curve is described by cumulative sums at the end of every tie block of the ranking: rows `n`, treated
rows `nt`, control rows `nc`, outcome summed over treated rows `yt` and over control rows `yc`. The
curves are computed in place on one output array: at 14M rows every temporary costs fresh memory.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from metrics._checks import binary_outcome, is_binary
from metrics.ranking import Ranking


class Cumulative(NamedTuple):
    """Cumulative sums at block ends, the empty prefix first."""

    n: np.ndarray
    nt: np.ndarray
    nc: np.ndarray
    yt: np.ndarray
    yc: np.ndarray


def _sums(n: np.ndarray, nt: np.ndarray, yt: np.ndarray, yc: np.ndarray) -> Cumulative:
    """The sums with the control rows counted once."""
    return Cumulative(n, nt, n - nt, yt, yc)


def cumulative(score: np.ndarray, treatment: np.ndarray, y: np.ndarray) -> Cumulative:
    """The cumulative sums of the ranking by `score` (one sort). With a binary outcome the row's group
    (treated or not, responder or not) travels as one byte through the ranking, not as three floats,
    and the sums are int32 counts."""
    ranking = Ranking(score)
    if is_binary(y):
        code = ranking.ranked(treatment.astype(np.int8) + 2 * y.astype(np.int8))
        treated = (code & 1).view(bool)
        counts = [ranking.ranked_cumsum(group) for group in (treated, ~treated, code == 3, code == 2)]
        return Cumulative(ranking.ends, *counts)
    yt = y * treatment
    return _sums(ranking.ends, ranking.cumsum(treatment), ranking.cumsum(yt), ranking.cumsum(y - yt))


def _blocks(sizes: list[tuple[float, float, float, float]]) -> Cumulative:
    """Cumulative sums of consecutive blocks given as (rows, treated rows, yt, yc); empty blocks dropped."""
    kept = np.array([(0.0, 0.0, 0.0, 0.0)] + [s for s in sizes if s[0] > 0])
    return _sums(*np.cumsum(kept, axis=0).T)


def first_block_with(*counts: np.ndarray) -> int:
    """The first block end from which every count is positive (cumulative counts only grow). The zero
    has the counts' type, so the search does not cast the array."""
    return max(int(np.searchsorted(count, count.dtype.type(0), side="right")) for count in counts)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, 0 where b == 0 (scikit-uplift's convention)."""
    return np.divide(a, b, out=np.zeros(a.shape), where=b != 0)


def qini_values(c: Cumulative) -> np.ndarray:
    """Radcliffe's Qini curve yt - yc * nt / nc at each block end (0 where there is no control row yet)."""
    values = _divide(c.nt, c.nc)
    values *= c.yc
    return np.subtract(c.yt, values, out=values)


def lift_values(c: Cumulative) -> np.ndarray:
    """yt/nt - yc/nc at each block end, a missing group's mean counted as 0."""
    values = _divide(c.yt, c.nt)
    values -= _divide(c.yc, c.nc)
    return values


def uplift_values(c: Cumulative) -> np.ndarray:
    """The uplift curve (yt/nt - yc/nc) * n at each block end, a missing group's mean counted as 0."""
    values = lift_values(c)
    values *= c.n
    return values


def perfect_qini(treatment: np.ndarray, y: np.ndarray) -> Cumulative:
    """scikit-uplift's perfect Qini ranking with negative effects (score y*t - y*(1-t)): counted in blocks
    for a binary outcome, the same score ranked for a continuous one."""
    if not is_binary(y):
        return cumulative(y * treatment - y * (1 - treatment), treatment, y)
    return perfect_qini_binary(treatment, y)


def perfect_qini_binary(treatment: np.ndarray, y: np.ndarray) -> Cumulative:
    """The perfect Qini ranking of a binary outcome: treated responders, then the non-responders, then
    control responders, counted in blocks (no sort)."""
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
