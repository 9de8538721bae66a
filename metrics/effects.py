"""Error of estimated effects against known ones (synthetic data)."""

from __future__ import annotations

import numpy as np


def pehe(tau_true, tau_pred) -> np.ndarray:
    """Precision in estimating heterogeneous effects: sqrt(mean over rows of (tau_pred - tau_true)^2),
    per trailing index (arms, outcomes) when the inputs have shape (n, ...)."""
    true, pred = np.asarray(tau_true, dtype=np.float64), np.asarray(tau_pred, dtype=np.float64)
    if true.shape != pred.shape:
        raise ValueError(f"tau_true has shape {true.shape} but tau_pred {pred.shape}")
    if true.shape[0] == 0:
        raise ValueError("PEHE needs at least one row")
    if not (np.isfinite(true).all() and np.isfinite(pred).all()):
        raise ValueError("tau_true and tau_pred must be finite (no NaN)")
    return np.sqrt(np.mean((pred - true) ** 2, axis=0))
