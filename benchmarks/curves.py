"""The compact curve points a cell stores beside its metric rows, enough to draw every figure of the report
without the cell's predictions: thinned Qini curves per arm and outcome (data without cost), cost curves
in the drawn AUCC variants (data with cost), and a model's per-row explanation summarised (MTMT: quantiles
of the base and incremental effects, mean attention per arm and feature).

One tidy frame per cell, columns CURVE_COLUMNS: `curve` ("qini", "cost", "effects", "attention"),
`variant` (the metric variant of `value`), `arm`, `outcome`, `label` (an explanation's component or
feature), points `x`, `y`, and `value`, the curve's metric computed on the full predictions with the
tables' functions (the legend's number)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import aucc
from metrics._checks import UndefinedMetric, arm_codes, is_binary
from metrics.areas import qini_sklift, qini_sklift_centred
from metrics.curves import cumulative, qini_values
from metrics.multiarm import arm_rows
from metrics.thin import thin

GRID = np.linspace(0.0, 1.0, 101)  # Qini curves at every 1% of the rows; quantile levels of explanations
COST_VARIANTS = ("hcl-code", "bounded")  # the cost-curve figures' variants: headline and bounded frontier
CURVE_COLUMNS = ["curve", "variant", "arm", "outcome", "label", "x", "y", "value"]


def _defined(function, *args) -> float:
    try:
        return float(function(*args))
    except UndefinedMetric:
        return float("nan")


def _points(curve: str, x, y, value=float("nan"), **fields) -> pd.DataFrame:
    frame = pd.DataFrame({"x": np.asarray(x, np.float32), "y": np.asarray(y, np.float32)})
    return frame.assign(
        curve=curve, value=value, **{k: fields.get(k) for k in ("variant", "arm", "outcome", "label")}
    )


def qini_curves(predictions: pd.DataFrame, arm_names, outcome_names) -> list[pd.DataFrame]:
    """Each arm against control, per outcome: the Qini curve (incremental responders against the share of
    rows targeted) at the GRID shares, ranked by the arm's predicted effect or, for a method that only
    ranks, by its rank score, as the tables score it; with the tables' Qini (sklift, or sklift-centred
    for a continuous outcome)."""
    treatment = arm_codes(predictions["treatment"].to_numpy(), len(arm_names))
    frames = []
    for k, arm in enumerate(arm_names[1:], start=1):
        rows, t = arm_rows(treatment, k)
        for outcome in outcome_names:
            column = f"effect:{arm}:{outcome}"
            score = predictions[column if column in predictions else "rank_score"].to_numpy(float)[rows]
            y = predictions[f"y:{outcome}"].to_numpy(float)[rows]
            c = cumulative(score, t, y)
            binary = is_binary(y)
            value = _defined(qini_sklift if binary else qini_sklift_centred, score, t, y)
            gain = np.interp(GRID, c.n / c.n[-1], qini_values(c))
            variant = "sklift" if binary else "sklift-centred"
            frames.append(_points("qini", GRID, gain, value, variant=variant, arm=arm, outcome=outcome))
    return frames


def cost_curves(predictions: pd.DataFrame, arm_names, outcome_names) -> list[pd.DataFrame]:
    """First outcome as value, first cost column: the cost curve of each COST_VARIANTS variant, thinned to
    at most len(GRID) points, with its AUCC (as the tables score a cost suite). One arm: the arm against
    control, ranked by the rank score; several: each arm against control on their rows, ranked by the
    arm's own score (arm_rank:<arm>)."""
    treatment = predictions["treatment"].to_numpy()
    value, spend = predictions[f"y:{outcome_names[0]}"].to_numpy(float), predictions["cost:0"].to_numpy(float)
    if len(arm_names) == 2:
        sides = [(arm_names[1], np.ones(len(treatment), bool), predictions["rank_score"].to_numpy(float))]
    else:
        sides = [
            (arm, arm_rows(treatment, k)[0], predictions[f"arm_rank:{arm}"].to_numpy(float))
            for k, arm in enumerate(arm_names[1:], start=1)
        ]
    frames = []
    for arm, rows, score in sides:
        ranked = (score[rows], (treatment[rows] > 0).astype(float), value[rows], spend[rows])
        for variant in COST_VARIANTS:
            try:
                x, y = thin(*aucc.cost_curve(*ranked, variant), len(GRID))
            except UndefinedMetric:
                continue
            area = _defined(aucc.aucc, *ranked, variant)
            frames.append(_points("cost", x, y, area, variant=variant, arm=arm, outcome=outcome_names[0]))
    return frames


def explanation_summaries(predictions: pd.DataFrame) -> list[pd.DataFrame]:
    """Quantiles (at the GRID levels) of each explained component over the test rows, and the mean
    attention of each arm over each feature."""
    frames = []
    for column in [c for c in predictions.columns if c.startswith(("base:", "incremental:"))]:
        part, *arm, outcome = column.split(":")
        quantiles = np.quantile(predictions[column].to_numpy(float), GRID)
        frames.append(
            _points("effects", GRID, quantiles, label=column, arm=arm[0] if arm else None, outcome=outcome)
        )
    for column in [c for c in predictions.columns if c.startswith("attention:")]:
        _, arm, feature = column.split(":", 2)
        frames.append(_points("attention", [np.nan], [predictions[column].mean()], arm=arm, label=feature))
    return frames


def cell_curves(predictions: pd.DataFrame, arm_names, outcome_names) -> pd.DataFrame:
    """Every curve a cell's figures need, from its test predictions (predictions_frame's columns)."""
    has_cost = "cost:0" in predictions
    frames = (cost_curves if has_cost else qini_curves)(predictions, arm_names, outcome_names)
    frames += explanation_summaries(predictions)
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c in ("x", "y", "value") else object) for c in CURVE_COLUMNS}
        )
    return pd.concat(frames, ignore_index=True)[CURVE_COLUMNS]
