"""The adapter shared by DRM and CRM: cost-aware ranking methods trained full batch with Lightning.

The defaults are the recipe of the authors' 2020 code, which produced the paper's table: a linear score,
600 full-batch Adam steps at lr 1e-3, the raw ratio as objective, five initialisations of which the one
with the lowest validation objective is kept. `keep_best_epoch` (ours) instead checks the validation
objective every `validate_every` epochs and keeps the best epoch's weights."""

from __future__ import annotations

import numpy as np

from methods.core.base import Capabilities, UpliftMethod

RANKING_DEFAULTS = {
    "hidden": 0,
    "inits": 5,
    "score": "tanh",
    "lr": 1e-3,
    "weight_decay": 0.0,
    "stabiliser": "none",
    "sharpness": 100.0,
    "max_epochs": 600,
    "keep_best_epoch": False,
    "validate_every": 20,
}


def cohort_weights(treated: np.ndarray, propensity: np.ndarray | None) -> np.ndarray:
    """Inverse propensity of each row's cohort: 1/e(x) for treated, 1/(1 - e(x)) for control rows (a
    constant e = 0.5 when unknown, which the cohort softmax normalises away)."""
    if propensity is None:
        return np.ones(len(treated))
    e = 1.0 - np.asarray(propensity)[:, 0]
    return np.where(treated == 1, 1.0 / e, 1.0 / (1.0 - e))


class CohortRanking(UpliftMethod):
    """Fits RankingModel on value (first outcome) and cost (first cost column); `rank` is its score.
    CRM's defaults add a `barrier` ("quantile" or "budget"), the `gate` and their settings."""

    capabilities = Capabilities(
        multi_arm=False, uses_cost=True, needs_cost=True, predicts_effects=False,
        native="one treated cohort against control; ranks by the first outcome and cost",
    )  # fmt: skip
    fast_params = {"max_epochs": 3, "validate_every": 1}

    @classmethod
    def search_space(cls, trial):
        return {
            "lr": trial.suggest_float("lr", 1e-3, 3e-2, log=True),
            "hidden": trial.suggest_categorical("hidden", [0, 32, 100]),
            "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
        }

    def _arrays(self, X, treatment, y, cost, propensity):
        """(x, treated, value, cost, weight), the treated rows first."""
        from methods.core.deep.ranking import treated_first

        treated = (treatment > 0).astype(np.float32)
        arrays = (X, treated, y[:, 0], cost[:, 0], cohort_weights(treated, propensity))
        order = treated_first(treated)
        return tuple(np.asarray(a)[order] for a in arrays)

    def _fit(self, X, treatment, y, *, cost, propensity, valid, seed) -> None:
        import torch

        from methods.core.deep.ranking import RankingModel, train_full_batch
        from methods.core.deep.training import seeded

        p = dict(self.params_)
        max_epochs, validate_every = p.pop("max_epochs"), p.pop("validate_every")
        keep_best_epoch = p.pop("keep_best_epoch")
        self.model_ = seeded(lambda: RankingModel(X.shape[1], **p), seed)
        valid_arrays = None
        if valid is not None and valid.cost is not None:
            n = len(valid.treatment)
            vy, vc = np.asarray(valid.y).reshape(n, -1), np.asarray(valid.cost).reshape(n, -1)
            valid_arrays = self._arrays(valid.X, valid.treatment, vy, vc, None)
        train = self._arrays(X, treatment, y, cost, propensity)
        train_full_batch(
            self.model_,
            train,
            valid_arrays if keep_best_epoch else None,
            steps=max_epochs,
            validate_every=validate_every,
        )
        if valid_arrays is not None:
            batch = tuple(torch.as_tensor(np.asarray(a), dtype=torch.float32) for a in valid_arrays)
            self.valid_objectives_ = self.model_.select_init(batch).numpy()

    def rank(self, X, *, value=0, cost=None):
        """The learnt score of the chosen initialisation: higher = more value per unit of cost."""
        from methods.core.deep.training import predict_in_batches

        return predict_in_batches(self.model_, np.asarray(X, dtype=np.float32)).astype(np.float64)
