"""The adapter shared by the deep effect models (MTMT and the deep baselines of its table): standardised
inputs and targets, mini-batch training with Lightning, early stopping and model selection on the
validation split, effects in the targets' original units.

One batch rule for every deep method: batch = min(batch_size, ceil(n_train / min_steps)), so a small
training set still gives at least `min_steps` optimiser steps per epoch (a batch of 4,096 on Hillstrom's
~38k training rows would give 10). Optimiser settings (lr, weight_decay, t_max, eta_min) are parameters
like any other, so a suite can set them; t_max None anneals once over max_epochs."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from methods.core.base import RATIO_RULES, Capabilities, UpliftMethod

OPTIMISER_DEFAULTS = {"lr": 1e-3, "weight_decay": 1e-3, "t_max": None, "eta_min": 1e-5}
TRAINING_DEFAULTS = {
    **OPTIMISER_DEFAULTS,
    "batch_size": 4096,
    "min_steps": 30,
    "max_epochs": 50,
    "patience": 5,
}
DEEP_DEFAULTS = {**TRAINING_DEFAULTS, "ratio": "relu"}  # and the ratio rule of a cost ranking (`ratio_score`)


def batch_size_for(n_train: int, batch_size: int, min_steps: int) -> int:
    """The configured batch, shrunk so that an epoch has at least `min_steps` steps."""
    return max(1, min(batch_size, math.ceil(n_train / max(min_steps, 1))))


def nonzero(scale: np.ndarray) -> np.ndarray:
    """Standard deviations with 1 in place of 0 (a constant column is left as it is)."""
    return np.where(scale > 0, scale, 1.0)


class DeepUplift(UpliftMethod):
    """Subclasses name `network` ("module:Class" under methods.core.deep) and its parameters in `defaults`
    beside DEEP_DEFAULTS; every parameter that is not a training setting or the ranking's `ratio` rule goes
    to the network."""

    network: ClassVar[str] = ""
    capacity: ClassVar[dict[str, list]] = {}  # the network's own capacity knobs and their choices
    capabilities = Capabilities(native="native: every arm and target in one network")
    fast_params = {"max_epochs": 3}
    ranking_params = frozenset({"ratio"})
    param_choices = {"ratio": RATIO_RULES}

    @classmethod
    def search_space(cls, trial) -> dict[str, Any]:
        """The optimiser, dropout and width every deep method is tuned over; subclasses add their own
        capacity knobs (depth, experts, private width) in `capacity`, over budgets of the same order."""
        own = {name: trial.suggest_categorical(name, choices) for name, choices in cls.capacity.items()}
        return {
            **own,
            "lr": trial.suggest_float("lr", 3e-4, 3e-3, log=True),
            "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-2, log=True),
            "dropout": trial.suggest_float("dropout", 0.0, 0.3),
            "hidden": trial.suggest_categorical("hidden", [32, 64, 128]),
        }

    def _network_class(self):
        import importlib

        module, name = self.network.split(":")
        return getattr(importlib.import_module(f"methods.core.deep.{module}"), name)

    def _scaled(self, X, y):
        """Standardised copies (one array the size of X, divided in place: on CRITEO's 14M rows a second
        temporary would be another 0.6 GiB)."""
        Xs = X - self.x_mean_
        Xs /= self.x_scale_
        return Xs, None if y is None else y / self.y_scale_

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        from methods.core.deep.training import InMemoryData, fit, seeded

        p = self.fit_params()
        training = {key: p.pop(key) for key in TRAINING_DEFAULTS}
        self.x_mean_ = X.mean(axis=0)
        self.x_scale_ = nonzero(X.std(axis=0)).astype(np.float32)
        self.y_scale_ = nonzero(y.std(axis=0))
        network = self._network_class()
        optimiser = {key: training[key] for key in OPTIMISER_DEFAULTS}
        self.net_ = seeded(lambda: network(X.shape[1], self.n_arms_, y.shape[1], **optimiser, **p), seed)
        Xs, ys = self._scaled(X, y)
        valid_arrays = None
        if valid is not None:
            vX, vy = self._scaled(
                np.asarray(valid.X, dtype=np.float32), np.asarray(valid.y).reshape(len(valid.X), -1)
            )
            valid_arrays = (vX, np.asarray(valid.treatment, dtype=np.int64), vy)
        data = InMemoryData(
            (Xs, treatment, ys),
            valid_arrays,
            batch_size=batch_size_for(len(X), training["batch_size"], training["min_steps"]),
            seed=seed,
            valid_batch_size=65536,
        )
        self.training_ = fit(
            self.net_, data, max_epochs=training["max_epochs"], seed=seed,
            patience=training["patience"],
        )  # fmt: skip

    def training_summary(self) -> dict[str, float]:
        """How the last fit trained: epochs trained (where early stopping ended it) and the best validation
        loss (NaN without validation rows)."""
        best = self.training_.best
        return {
            "stopped_epoch": float(self.training_.epochs),
            "best_val_loss": best if best < np.inf else np.nan,
        }

    def _predict(self, X: np.ndarray) -> np.ndarray:
        from methods.core.deep.training import predict_in_batches

        Xs, _ = self._scaled(X, None)
        effects = predict_in_batches(self.net_.effects, Xs.astype(np.float32))
        return effects * self.y_scale_[None, None, :]
