"""Input checks shared by the metrics: every problem becomes a ValueError that says what is wrong."""

from __future__ import annotations

import numpy as np


class UndefinedMetric(ValueError):
    """The input is valid but the metric has no value on it (e.g. a curve whose end point is zero)."""


def vector(name: str, values, n: int | None = None) -> np.ndarray:
    """`values` as a finite float64 vector, optionally of length n."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} rows, expected {n} (lengths differ)")
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(f"{name} has {bad} NaN or infinite values")
    return array


def binary_treatment(values, n: int) -> np.ndarray:
    """Treatment as float64 0/1 with both groups present."""
    t = vector("treatment", values, n)
    if not np.all((t == 0) | (t == 1)):
        raise ValueError(f"treatment must be binary 0/1 here, got values {np.unique(t)[:10]}")
    treated = int(np.count_nonzero(t))
    if treated == 0 or treated == n:
        raise UndefinedMetric("treatment has one class only: both treated and control rows are needed")
    return t


def arm_codes(values, arms: int, name: str = "treatment", n: int | None = None) -> np.ndarray:
    """`values` as int64 arm codes 0..arms-1, checked before the cast: NaN, 0.999 or -1 is no code."""
    codes = vector(name, values, n)
    if not np.all((codes == np.round(codes)) & (codes >= 0) & (codes < arms)):
        bad = np.unique(codes[(codes != np.round(codes)) | (codes < 0) | (codes >= arms)])[:5]
        raise ValueError(f"{name} must hold arm codes 0..{arms - 1}, got {bad}")
    return codes.astype(np.int64)


def is_binary(y: np.ndarray) -> bool:
    """Whether every value is 0 or 1."""
    return bool(np.all((y == 0) | (y == 1)))


def binary_outcome(y: np.ndarray, what: str) -> None:
    """Raise UndefinedMetric unless y is 0/1 (the metric's perfect curve needs a binary outcome)."""
    if not is_binary(y):
        raise UndefinedMetric(f"{what} is defined for binary outcomes only; this outcome is continuous")


def inputs(score, treatment, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (score, treatment, y) triple every ranking metric takes, checked."""
    s = vector("score", score)
    n = s.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 rows, got {n}")
    return s, binary_treatment(treatment, n), vector("y", y, n)


def outcome_varies(y: np.ndarray) -> None:
    """Raise UndefinedMetric when every row has the same outcome (one class), as scikit-uplift raises."""
    if y.shape[0] and np.all(y == y[0]):
        raise UndefinedMetric(f"the outcome has one value ({y[0]:g}) on every row: nothing to rank for")
