"""Optuna tuning on the validation split only: a seeded TPE study per cell, persisted and resumed."""

from __future__ import annotations

import os
import socket
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, ProgrammingError, SQLAlchemyError

from benchmarks.errors import UsageError
from benchmarks.scoring import HEADLINE, BudgetInputs, score_cell
from benchmarks.seeds import derive_seed
from benchmarks.store import held
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
        budget_inputs = None
        if kind == "cost" and len(arm_names) > 2:
            tau_value = None if split.tau is None else split.tau[:, :, 0]
            arm_ranks = method.arm_ranks(split.X, value=0, cost=0)
            budget_inputs = BudgetInputs(arm_ranks, split.propensity, tau_value, split.meta.get("tau_cost"))
    return score_cell(
        treatment=split.treatment,
        y=split.y,
        outcome_names=outcome_names,
        arm_names=arm_names,
        rank_score=rank_score,
        arm_scores=arm_scores,
        cost=split.cost,
        kind=kind,
        budget_inputs=budget_inputs,
    )


FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
UNFINISHED = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
# Shared (server) storage: a trial whose process has not beaten its heart for GRACE_SECONDS is stale
# (its process died); Optuna then fails it and enqueues a retry with its parameters.
HEARTBEAT_SECONDS, GRACE_SECONDS, POLL_SECONDS = 20, 60, 1.0
SCHEMA_ATTEMPTS = 3  # runs starting together on an empty database race to create its tables


def slot(study, trial) -> int:
    """The trial's place in the study's sequence, which seeds its sampler: the places held before it. A
    retry (of a trial left RUNNING by a killed process, see RetryHeartbeatStaleTrialCallback's
    `retry_history`) takes the place of the trial it repeats; a trial that failed and is not retried (its
    objective raised, as on a full disk) frees its place for the next trial. So a resumed study numbers its
    places as an uninterrupted one does."""
    trials = study.get_trials(deepcopy=False)
    history = trial.system_attrs.get("retry_history")
    number = history[0] if history else trial.number
    retried = {t.system_attrs["retry_history"][0] for t in trials if t.system_attrs.get("retry_history")}
    return sum(
        1
        for t in trials[:number]
        if not t.system_attrs.get("retry_history")
        and (t.state != optuna.trial.TrialState.FAIL or t.number in retried)
    )


class TrialSeededTPE(optuna.samplers.BaseSampler):
    """TPE whose every trial starts from a generator seeded by (study seed, the trial's slot), never by
    how many samplers or workers came before it. A trial's parameters are therefore a function of (seed,
    slot, the trials COMPLETE when it starts): with one worker the last is always every earlier slot, so
    the whole study is determined by its seed, after a kill and resume too; with several workers sharing
    the study the first `n_startup_trials` (10, TPE's random phase) are determined by (seed, slot) alone,
    later ones also by which earlier trials had finished when they started."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.inner = optuna.samplers.TPESampler(seed=seed)

    def before_trial(self, study, trial) -> None:
        self.inner = optuna.samplers.TPESampler(seed=derive_seed("trial", self.seed, slot(study, trial)))
        self.inner.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self.inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        self.inner.after_trial(study, trial, state, values)


def pinned_sampler(sampler: optuna.samplers.BaseSampler, pinned: dict[str, Any] | None):
    """`sampler`, answering the `pinned` parameters' suggestions with their values (Optuna's
    PartialFixedSampler)."""
    if not pinned:
        return sampler
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.PartialFixedSampler(pinned, sampler)


def is_shared(url: str) -> bool:
    """A server storage (PostgreSQL, MySQL) may be shared by several runs; SQLite belongs to one run."""
    return not url.startswith("sqlite")


def driver_url(url: str) -> str:
    """`postgresql://` as SQLAlchemy's psycopg (3) driver, the one requirements.txt installs."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def shown(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def open_storage(url: str):
    """The Optuna storage at `url`, its schema created if needed (call once in the main process before
    workers start: two processes creating one SQLite schema at once collide). SQLite waits up to a minute
    for a lock held by another worker; a server storage gets heartbeats, so that the trials of a process
    that died are retried by the others, and a connection attempt gives up after 10 seconds."""
    if url.startswith("sqlite"):
        options = {"engine_kwargs": {"connect_args": {"timeout": 60}}}
    else:
        options = {
            "engine_kwargs": {"connect_args": {"connect_timeout": 10}}
            if driver_url(url).startswith("postgresql")
            else {},
            "heartbeat_interval": HEARTBEAT_SECONDS,
            "grace_period": GRACE_SECONDS,
            "heartbeat_stale_trial_callback": optuna.storages.RetryHeartbeatStaleTrialCallback(),
        }
    for attempt in range(SCHEMA_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(driver_url(url), **options)
        except (ValueError, ImportError, SQLAlchemyError) as error:
            # another process may have created the same tables just now: try again
            if isinstance(error, IntegrityError | ProgrammingError) and attempt < SCHEMA_ATTEMPTS - 1:
                time.sleep(1 + attempt)
                continue
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise UsageError(f"cannot open the Optuna storage {shown(url)}: {first_line}") from None


@contextmanager
def holding_storage(url: str):
    """Hold an SQLite Optuna storage for one `run` (an flock on DB.lock beside its file): a second run
    with another --out but the same --storage is refused, since each run's start fails the trials left
    running in it, which would be the first run's live ones. Server storages (PostgreSQL) are shared
    safely by trial heartbeats and are not held."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:":
        yield
        return
    lock = Path(database).with_name(Path(database).name + ".lock")
    busy = f"the Optuna storage {shown(url)} is in use by another run"
    with held(lock, str(lock), busy, "wait for it to end or give this run its own --storage"):
        yield


def delete_studies(storage: str, names: list[str]) -> None:
    """Delete the cells' studies (for --force: a recomputed cell is tuned afresh)."""
    store = open_storage(storage)
    existing = {s.study_name for s in optuna.get_all_study_summaries(store, include_best_trial=False)}
    for name in names:
        if name in existing:
            optuna.delete_study(study_name=name, storage=store)


def retry_orphans(study) -> None:
    """Fail the trials left RUNNING by a killed process and enqueue each again with its parameters (the
    heartbeat's retry, done at once: the run folder's lock guarantees that no live process owns them), so
    they are neither counted nor sampled from, and run again in their own slot."""
    retry = optuna.storages.RetryHeartbeatStaleTrialCallback()
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        retry(study, study.get_trials(deepcopy=False)[trial.number])


class SurplusTrial(Exception):
    """A trial started by one worker after the others had already started the study's last one."""


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
    pinned: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], float | None]:
    """Best parameters (fixed ones overlaid by the search, which never varies the `pinned` ones: given
    with --set) and the best validation score. Finished trials
    in the storage count toward `trials`, so an interrupted study resumes where it stopped and makes the
    choices the uninterrupted one makes. Several processes may tune one study in a shared storage: each
    takes trials until `trials` are finished or running, then waits for the others' to finish (so all
    return the same best parameters)."""
    study = optuna.create_study(
        study_name=study_name,
        storage=open_storage(storage),
        direction="maximize",
        sampler=pinned_sampler(TrialSeededTPE(seed), pinned),
        load_if_exists=True,
    )
    if not is_shared(storage):
        retry_orphans(study)
    valid_set = ValidationSet(valid.X, valid.treatment, valid.y, valid.cost)
    outcome = valid.outcome_names[0]
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def objective(trial) -> float:
        earlier = study.get_trials(deepcopy=False)[: trial.number]
        if sum(t.state != optuna.trial.TrialState.FAIL for t in earlier) >= trials:
            raise SurplusTrial(f"the study's {trials} trials were already taken")
        trial.set_user_attr("worker", worker)
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

    while True:
        states = [t.state for t in study.get_trials(deepcopy=False)]
        taken = sum(state in FINISHED + UNFINISHED for state in states)
        if taken < trials or optuna.trial.TrialState.WAITING in states:
            study.optimize(objective, n_trials=1, catch=(SurplusTrial,))
        elif optuna.trial.TrialState.RUNNING in states:  # another worker's trial (shared storage)
            time.sleep(POLL_SECONDS)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
        else:
            break
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        return dict(fixed), None
    return {**fixed, **study.best_params}, study.best_value


def trial_seconds(storage: str, study_name: str) -> list[float]:
    """The wall seconds of each finished trial of a study (interrupted and resumed ones included), from
    the times Optuna stores with every trial."""
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    return [
        (t.datetime_complete - t.datetime_start).total_seconds()
        for t in study.get_trials(deepcopy=False, states=FINISHED)
        if t.datetime_start is not None and t.datetime_complete is not None
    ]
