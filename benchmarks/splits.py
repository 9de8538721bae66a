"""Train / validation / test splits: seeded, stratified on (treatment, first outcome > 0), and identical
for every method within one (dataset, seed)."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from datasets.base import UpliftData


def strata(data: UpliftData) -> np.ndarray:
    """The stratification label: arm code x (first outcome > 0)."""
    return data.treatment * 2 + (data.y[:, 0] > 0)


def split_indices(data: UpliftData, fractions: tuple[float, float, float], seed: int):
    """Row indices (train, valid, test) for the given fractions."""
    train_share, valid_share, test_share = fractions
    if min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"split fractions must be positive and sum to 1, got {list(fractions)}")
    rows = np.arange(data.n_rows)
    labels = strata(data)
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 3 else None
    rest, test = train_test_split(rows, test_size=test_share, random_state=seed, stratify=stratify)
    rest_labels = None if stratify is None else labels[rest]
    train, valid = train_test_split(
        rest, test_size=valid_share / (train_share + valid_share), random_state=seed + 1, stratify=rest_labels
    )
    return np.sort(train), np.sort(valid), np.sort(test)


def subsample(data: UpliftData, max_rows: int, seed: int) -> UpliftData:
    """A seeded uniform subsample of at most max_rows rows (0 = all)."""
    if not max_rows or max_rows >= data.n_rows:
        return data
    rows = np.sort(np.random.default_rng(seed).choice(data.n_rows, max_rows, replace=False))
    return data.subset(rows)
