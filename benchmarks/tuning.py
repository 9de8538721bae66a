"""Optuna tuning on the validation split only: a seeded TPE study per cell, persisted and resumed."""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
from sqlalchemy.exc import SQLAlchemyError

from benchmarks.errors import UsageError
from benchmarks.scoring import HEADLINE, score_cell
from benchmarks.seeds import derive_seed
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


FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


class TrialSeededTPE(optuna.samplers.BaseSampler):
    """TPE whose every trial starts from a generator seeded by (study seed, number of finished trials
    before it), so a study resumed after a kill makes exactly the choices of an uninterrupted one: a
    trial's parameters depend on the finished trials only, not on how many samplers came before it."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.inner = optuna.samplers.TPESampler(seed=seed)

    def before_trial(self, study, trial) -> None:
        finished = len(study.get_trials(deepcopy=False, states=FINISHED))
        self.inner = optuna.samplers.TPESampler(seed=derive_seed("trial", self.seed, finished))
        self.inner.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self.inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        self.inner.after_trial(study, trial, state, values)


def open_storage(url: str):
    """The Optuna storage at `url`, its schema created if needed (call once in the main process before
    workers start: two processes creating one SQLite schema at once collide); SQLite waits up to a minute
    for a lock held by another worker."""
    engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=engine)
    except (ValueError, ImportError, SQLAlchemyError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"cannot open the Optuna storage {url}: {first_line}") from None


def delete_studies(storage: str, names: list[str]) -> None:
    """Delete the cells' studies (for --force: a recomputed cell is tuned afresh)."""
    store = open_storage(storage)
    existing = {s.study_name for s in optuna.get_all_study_summaries(store, include_best_trial=False)}
    for name in names:
        if name in existing:
            optuna.delete_study(study_name=name, storage=store)


def fail_orphans(study) -> None:
    """Mark trials left RUNNING by a killed process as failed (the run folder's lock guarantees no live
    process owns them), so they are neither counted nor sampled from, and run again."""
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)


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
    in the storage count toward `trials`, so an interrupted study resumes where it stopped and makes the
    choices the uninterrupted one makes."""
    study = optuna.create_study(
        study_name=study_name,
        storage=open_storage(storage),
        direction="maximize",
        sampler=TrialSeededTPE(seed),
        load_if_exists=True,
    )
    fail_orphans(study)
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

    done = len(study.get_trials(deepcopy=False, states=FINISHED))
    if trials > done:
        study.optimize(objective, n_trials=trials - done, catch=())
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        return dict(fixed), None
    return {**fixed, **study.best_params}, study.best_value
