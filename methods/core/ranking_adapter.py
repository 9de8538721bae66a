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


def within_arm(propensity: np.ndarray, arm: int) -> np.ndarray:
    """Probabilities of control and `arm` (n, 2) among the rows of the two, from all arms' (n, K+1)."""
    if propensity.shape[1] == 2:
        return propensity
    pair = propensity[:, [0, arm]]
    return pair / pair.sum(axis=1, keepdims=True)


class CohortRanking(UpliftMethod):
    """Fits RankingModel on value (first outcome) and cost (first cost column); `rank` is its score.
    CRM's defaults add a `barrier` ("quantile" or "budget"), the `gate` and their settings."""

    capabilities = Capabilities(
        multi_arm=True, uses_cost=True, needs_cost=True, predicts_effects=False,
        native="one model per arm against control, scores calibrated on validation; ranks by the first "
        "outcome and cost",
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
        from methods.core.arm_calibration import calibrate

        if valid is not None and valid.cost is not None:
            vy = np.asarray(valid.y).reshape(len(valid.treatment), -1)
            vc = np.asarray(valid.cost).reshape(len(valid.treatment), -1)
        else:
            valid = None
        self.models_, self.valid_objectives_, self.calibrations_ = [], [], []
        for arm in range(1, self.n_arms_ + 1):
            rows = (treatment == 0) | (treatment == arm)
            arm_propensity = None if propensity is None else within_arm(propensity[rows], arm)
            treated = (treatment[rows] == arm).astype(int)
            train = self._arrays(X[rows], treated, y[rows], cost[rows], arm_propensity)
            checked = None
            if valid is not None:
                v_rows = (valid.treatment == 0) | (valid.treatment == arm)
                v_treated = (valid.treatment[v_rows] == arm).astype(int)
                checked = self._arrays(valid.X[v_rows], v_treated, vy[v_rows], vc[v_rows], None)
            model, objectives = self._fit_arm(train, checked, seed + arm - 1)
            self.models_.append(model)
            self.valid_objectives_.append(objectives)
            if self.n_arms_ > 1:
                if checked is None:
                    raise ValueError(f"{self.name} on several arms needs validation rows with cost")
                x, treated, value, spend, _ = checked
                self.calibrations_.append(calibrate(self._score(model, x), treated, value, spend))
        if self.n_arms_ == 1:
            self.valid_objectives_ = self.valid_objectives_[0]

    def _fit_arm(self, train, valid, seed):
        """One RankingModel on one arm's (treated-first) arrays; (model, validation objectives or None)."""
        import torch

        from methods.core.deep.ranking import RankingModel, train_full_batch
        from methods.core.deep.training import seeded

        p = dict(self.params_)
        max_epochs, validate_every = p.pop("max_epochs"), p.pop("validate_every")
        keep_best_epoch = p.pop("keep_best_epoch")
        model = seeded(lambda: RankingModel(train[0].shape[1], **p), seed)
        train_full_batch(
            model, train, valid if keep_best_epoch else None, steps=max_epochs, validate_every=validate_every
        )
        if valid is None:
            return model, None
        batch = tuple(torch.as_tensor(np.asarray(a), dtype=torch.float32) for a in valid)
        return model, model.select_init(batch).numpy()

    @staticmethod
    def _score(model, X) -> np.ndarray:
        from methods.core.deep.training import predict_in_batches

        return predict_in_batches(model, np.asarray(X, dtype=np.float32)).astype(np.float64)

    def arm_ranks(self, X, *, value=0, cost=0):
        """Each arm's score (n, K): with one arm the learnt score, with several its calibrated value per
        unit of cost."""
        if self.n_arms_ == 1:
            return self._score(self.models_[0], X)[:, None]
        return np.stack(
            [c(self._score(m, X)) for m, c in zip(self.models_, self.calibrations_, strict=True)], 1
        )

    def rank(self, X, *, value=0, cost=None):
        """The learnt score (one arm; higher = more value per unit of cost), or the best arm's calibrated
        value per unit of cost."""
        return self.arm_ranks(X, value=value, cost=cost).max(axis=1)
