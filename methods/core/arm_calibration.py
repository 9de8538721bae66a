"""Putting per-arm ranking scores on one scale, so that a row's arm can be chosen among several.

A ranking model trained on one arm against control (DRM, CRM) orders rows by value per unit of cost, but
its score has no unit: scores of models trained on different arms cannot be compared. On the validation
rows of control and the arm, the score is cut into quantile bins; in each bin the increment of value and
of cost is the treated-minus-control difference of means (a randomised trial within the arm), and their
ratio (the relu rule, `ratio_score`) is made non-decreasing in the score by isotonic regression weighted by
the bin's rows. A score then maps to that ratio, linearly between bin medians; a slope of RELATIVE_SLOPE
of the range breaks ties, so the map keeps the arm's own order exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression

from methods.core.base import ratio_score

BINS = 5
RELATIVE_SLOPE = 1e-6


@dataclass(frozen=True)
class ScoreToRatio:
    """A monotone map from one arm's score to its estimated value per unit of cost."""

    medians: np.ndarray
    ratios: np.ndarray
    low: float
    span: float

    def __call__(self, score: np.ndarray) -> np.ndarray:
        score = np.asarray(score, dtype=np.float64)
        scale = RELATIVE_SLOPE * max(float(np.abs(self.ratios).max()), 1.0)
        return np.interp(score, self.medians, self.ratios) + scale * (score - self.low) / self.span


def calibrate(score, treated, value, cost, bins: int = BINS) -> ScoreToRatio:
    """The map of one arm from its validation rows: scores, 0/1 treated (the arm against control), value
    and cost. Bins without treated or control rows are left out."""
    score, treated = np.asarray(score, dtype=np.float64), np.asarray(treated) == 1
    value, cost = np.asarray(value, dtype=np.float64), np.asarray(cost, dtype=np.float64)
    edges = np.quantile(score, np.linspace(0, 1, bins + 1)[1:-1])
    bin_of = np.searchsorted(edges, score, side="right")
    medians, increments, weights = [], [], []
    for b in range(bins):
        rows = bin_of == b
        t, c = rows & treated, rows & ~treated
        if t.any() and c.any():
            medians.append(float(np.median(score[rows])))
            increments.append((value[t].mean() - value[c].mean(), cost[t].mean() - cost[c].mean()))
            weights.append(int(rows.sum()))
    if not medians:
        raise ValueError("no score bin of the validation rows holds both treated and control rows")
    dv, dc = np.array(increments).T
    ratios = IsotonicRegression().fit_transform(
        np.arange(len(medians)), ratio_score(dv, dc, "relu"), sample_weight=weights
    )
    low, high = float(score.min()), float(score.max())
    return ScoreToRatio(np.array(medians), ratios, low, max(high - low, np.finfo(float).tiny))
