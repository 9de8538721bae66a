"""Optuna tuning on the validation split only: a seeded TPE study per cell, persisted and resumed."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.scoring import HEADLINE, score_cell
from methods.core.base import UpliftMethod, ValidationSet


def headline(rows: list[dict], kind: str, outcome: str) -> float:
    """The suite kind's headline metric for one outcome: the mean over arms where there are several."""
    metric, variant = HEADLINE[kind]
    chosen = [r for r in rows if (r["metric"], r["variant"], r["outcome"]) == (metric, variant, outcome)]
    means = [r["value"] for r in chosen if r["arm"] == "mean"]
    if means:
        return means[0]
    if not chosen:
        raise ValueError(f"the headline metric {metric} ({variant}) is undefined on these rows")
    return float(np.mean([r["value"] for r in chosen]))


def score_split(method: UpliftMethod, split, arm_names, outcome_names, kind: str) -> list[dict]:
    """Score a fitted method's ranking of a split (validation during tuning, test at the end)."""
    has_cost = split.cost is not None
    with method.predicting_once():
        rank_score = method.rank(split.X, value=0, cost=0 if has_cost else None)
        arm_scores = method.predict(split.X) if method.capabilities.predicts_effects else None
    return score_cell(
        treatment=split.treatment,
        y=split.y,
        outcome_names=outcome_names,
        arm_names=arm_names,
        rank_score=rank_score,
        arm_scores=arm_scores,
        cost=split.cost,
        kind=kind,
    )


def tune(
    method_class: type[UpliftMethod],
    fixed: dict[str, Any],
    train,
    valid,
    *,
    kind: str,
    trials: int,
    storage: str,
    study_name: str,
    seed: int,
) -> tuple[dict[str, Any], float | None]:
    """Best parameters (fixed ones overlaid by the search) and the best validation score. Finished trials
    in the storage count toward `trials`, so an interrupted study resumes where it stopped."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        load_if_exists=True,
    )
    valid_set = ValidationSet(valid.X, valid.treatment, valid.y, valid.cost)
    outcome = valid.outcome_names[0]

    def objective(trial) -> float:
        params = {**fixed, **method_class.search_space(trial)}
        method = method_class(**params).fit(
            train.X,
            train.treatment,
            train.y,
            cost=train.cost,
            propensity=train.propensity,
            valid=valid_set,
            seed=seed,
        )
        try:
            rows = score_split(method, valid, valid.arm_names, valid.outcome_names, kind)
            return headline(rows, kind, outcome)
        except ValueError as error:
            raise optuna.TrialPruned(str(error)) from None

    done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    if trials > done:
        study.optimize(objective, n_trials=trials - done, catch=())
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        return dict(fixed), None
    return {**fixed, **study.best_params}, study.best_value
