"""Computing one cell: load, split, check, tune on validation, refit, predict and score the test split."""

from __future__ import annotations

import functools
import json
import time
import traceback
from datetime import UTC, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

import datasets
from benchmarks import environment
from benchmarks.curves import CURVE_COLUMNS, cell_curves
from benchmarks.phases import phase
from benchmarks.plan import Cell
from benchmarks.scoring import pehe_rows, policy_rows
from benchmarks.seeds import derive_seed
from benchmarks.splits import split_indices, subsample
from benchmarks.threads import DEFAULT_THREADS, thread_budget
from benchmarks.tuning import score_split, trial_seconds, tune
from methods.core.base import MethodNotApplicable, UpliftMethod, ValidationSet
from methods.core.deep.devices import Devices, training_on
from methods.core.deep.logs import TrainingLog, logging_training
from methods.core.registry import discover


@functools.cache
def registry(plugins: tuple[str, ...] = ()):
    """The methods a cell may use: the checkout's, its run's plug-ins and the installed entry points."""
    return discover(plugins=plugins)


@functools.lru_cache(maxsize=2)
def load_data(data_key: str, data_dir: str | None):
    """The dataset of a cell, loaded once per process (and subsampled with a fixed seed)."""
    name, options, max_rows = json.loads(data_key)
    with phase("load", name):
        data = datasets.load(name, data_dir=data_dir, **options)
        return subsample(data, max_rows, derive_seed("subsample", name, max_rows))


@functools.lru_cache(maxsize=5)
def split_rows(data_key: str, data_dir: str | None, fractions: tuple[float, float, float], seed: int):
    """(train, valid, test) row indices of a loaded dataset, computed once per process for every method
    of a (dataset, seed): a stratified split of CRITEO's 14M rows takes 30 s to minutes on a shared
    2-core machine, which every cell paid before (docs/perf/scale.md). Read-only."""
    parts = split_indices(load_data(data_key, data_dir), fractions, seed)
    for part in parts:
        part.flags.writeable = False
    return parts


def base_row(cell: Cell, **fields) -> dict:
    """The columns every result row of the cell carries."""
    return {
        "suite": cell.suite,
        "dataset": cell.dataset,
        "method": cell.method,
        "params": json.dumps(cell.params, sort_keys=True, default=str),
        "tuned": False,
        "seed": cell.seed,
        "fold": 0,
        "split": "test",
        "arm": None,
        "outcome": None,
        "metric": None,
        "variant": None,
        "value": np.nan,
        "fit_seconds": np.nan,
        "predict_seconds": np.nan,
        "tune_seconds": 0.0,  # every finished Optuna trial of the cell, summed
        "tune_trials": 0,
        "stopped_epoch": np.nan,  # deep methods: epochs trained, and the best validation loss
        "best_val_loss": np.nan,
        "n_train": 0,
        "n_test": 0,
        "status": "ok",
        "reason": "",
        "git_commit": environment.git_state().commit,
        "git_dirty": environment.git_state().dirty,
        "library_versions": environment.library_versions(),
        "device": environment.device() + (f" x{cell.devices} ({cell.strategy})" if cell.devices > 1 else ""),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        **fields,
    }


def predictions_frame(test, rows, method, rank_score) -> pd.DataFrame:
    """The test rows (their index in the dataset) with every predicted effect and the rank score, enough
    to re-score the cell."""
    columns = {"row": rows, "treatment": test.treatment}
    for j, outcome in enumerate(test.outcome_names):
        columns[f"y:{outcome}"] = test.y[:, j]
    if test.cost is not None:
        for c, values in enumerate(test.cost_matrix.T):
            columns[f"cost:{c}"] = values
    if method.capabilities.predicts_effects:
        effects = method.predict(test.X)
        for k, arm in enumerate(test.arm_names[1:]):
            for j, outcome in enumerate(test.outcome_names):
                columns[f"effect:{arm}:{outcome}"] = effects[:, k, j]
                if test.tau is not None:
                    columns[f"tau:{arm}:{outcome}"] = test.tau[:, k, j]
        if test.cost is not None and method.n_costs_:
            cost_effects = method.predict_cost(test.X)
            for k, arm in enumerate(test.arm_names[1:]):
                columns[f"cost_effect:{arm}"] = cost_effects[:, k, 0]
    if hasattr(method, "explain"):
        columns.update(explanation_columns(method.explain(test.X), test))
    columns.update(arm_rank_columns(method, test))
    columns["rank_score"] = rank_score
    return pd.DataFrame(columns)


def arm_rank_columns(method: UpliftMethod, test) -> dict[str, np.ndarray]:
    """With cost and several arms, each arm's score on one scale (`arm_ranks`), which the per-arm cost
    curves rank by: columns arm_rank:<arm>; none otherwise."""
    if test.cost is None or test.n_arms < 2:
        return {}
    ranks = method.arm_ranks(test.X, value=0, cost=0)
    return {f"arm_rank:{arm}": ranks[:, k] for k, arm in enumerate(test.arm_names[1:])}


def explanation_columns(parts: dict, test) -> dict[str, np.ndarray]:
    """A model's inner view of each test row (MTMT: base and incremental effects, attention weights)."""
    columns = {}
    arms = test.arm_names[1:]
    for j, outcome in enumerate(test.outcome_names):
        columns[f"base:{outcome}"] = parts["base"][:, j]
        for k, arm in enumerate(arms):
            columns[f"incremental:{arm}:{outcome}"] = parts["incremental"][:, k, j]
    if parts.get("attention") is not None:
        for k, arm in enumerate(arms):
            for f, feature in enumerate(test.feature_names):
                columns[f"attention:{arm}:{feature}"] = parts["attention"][:, k, f]
    return columns


class CellResult(NamedTuple):
    """What computing a cell gives the store: result rows, test predictions and curve points (None unless
    the cell succeeded) and a failed cell's traceback."""

    rows: pd.DataFrame
    predictions: pd.DataFrame | None
    curves: pd.DataFrame | None
    details: str


def run_cell(cell: Cell, data_dir: str | None, storage: str, threads: int = DEFAULT_THREADS) -> CellResult:
    """The result of one cell, computed with `threads` threads (its rows' `threads` column); a method
    that cannot serve the data gives one "skipped" row, any other failure one "error" row with the reason
    (and its full traceback)."""
    try:
        with thread_budget(threads), training_on(Devices(cell.devices, cell.strategy)):
            rows, predictions, curves = _compute(cell, data_dir, storage)
            result = CellResult(rows, predictions, curves, "")
    except MethodNotApplicable as reason:
        result = CellResult(
            pd.DataFrame([base_row(cell, status="skipped", reason=str(reason))]), None, None, ""
        )
    except Exception as error:  # recorded, and the run goes on
        reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        rows = pd.DataFrame([base_row(cell, status="error", reason=reason)])
        result = CellResult(rows, None, None, traceback.format_exc())
    return result._replace(rows=result.rows.assign(threads=threads))


def _compute(cell: Cell, data_dir: str | None, storage: str):
    data = load_data(cell.data_key, data_dir)
    split_seed = derive_seed("split", cell.dataset, cell.seed)
    model_seed = derive_seed("model", cell.dataset, cell.seed)  # not the label: one draw per seed
    with phase("split", cell.key):
        train_rows, valid_rows, test_rows = split_rows(cell.data_key, data_dir, tuple(cell.split), split_seed)
        train, valid, test = data.subset(train_rows), data.subset(valid_rows), data.subset(test_rows)
    method_class = registry(cell.plugins).get(cell.method_name)
    method_class.check_applicable(n_arms=data.n_arms, y=data.y, cost=data.cost)
    params, tuned, trials = dict(cell.params), False, []
    searchable = method_class.search_space.__func__ is not UpliftMethod.search_space.__func__
    if cell.tune and cell.trials > 0 and searchable:
        params, _ = tune(
            method_class,
            cell.params,
            train,
            valid,
            kind=cell.kind,
            trials=cell.trials,
            storage=storage,
            study_name=cell.key,
            seed=model_seed,
            pinned={name: cell.params[name] for name in cell.pinned},
        )
        tuned, trials = True, trial_seconds(storage, cell.key)
    method = method_class(**params)
    start = time.perf_counter()
    log = TrainingLog(cell.logger, cell.out, cell.key) if cell.logger != "none" else None
    with phase("fit", cell.key), logging_training(log):
        method.fit(
            train.X,
            train.treatment,
            train.y,
            cost=train.cost,
            propensity=train.propensity,
            valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost),
            seed=model_seed,
        )
    fit_seconds = time.perf_counter() - start
    with method.predicting_once():  # the test rows go through the model once
        start = time.perf_counter()
        with phase("predict", cell.key):
            rank_score = method.rank(test.X, value=0, cost=0 if test.cost is not None else None)
        predict_seconds = time.perf_counter() - start
        with phase("metrics", cell.key):
            rows = metric_rows(method, test, data, cell.kind)
        ranked = {
            label: ranked_by(method, overrides, test, data, cell.kind)
            for label, overrides in cell.rankings.items()
        }
        with phase("predictions", cell.key):
            predictions = predictions_frame(test, test_rows, method, rank_score)
            for label, (score, *_) in ranked.items():
                predictions[f"rank_score:{label}"] = score
    common = dict(
        tuned=tuned,
        fit_seconds=fit_seconds,
        tune_seconds=sum(trials),
        tune_trials=len(trials),
        n_train=train.n_rows,
        n_test=test.n_rows,
        **(method.training_summary() if hasattr(method, "training_summary") else {}),
    )
    frames = [
        pd.DataFrame(
            [
                base_row(cell, params=as_json(params), predict_seconds=predict_seconds, **common, **row)
                for row in rows
            ]
        )
    ]
    curves = [curve_points(cell, cell.method, predictions, data.arm_names, data.outcome_names)]
    for label, (score, label_rows, seconds, label_arm_ranks) in ranked.items():
        fields = dict(
            method=label, params=as_json({**params, **cell.rankings[label]}), predict_seconds=seconds
        )
        frames.append(pd.DataFrame([base_row(cell, **fields, **common, **row) for row in label_rows]))
        ranked_predictions = predictions.assign(rank_score=score, **label_arm_ranks)
        curves.append(curve_points(cell, label, ranked_predictions, data.arm_names, data.outcome_names))
    return pd.concat(frames, ignore_index=True), predictions, pd.concat(curves, ignore_index=True)


def as_json(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def metric_rows(method: UpliftMethod, test, data, kind: str) -> list[dict]:
    """The metric rows of the fitted method on the test split."""
    rows = score_split(method, test, data.arm_names, data.outcome_names, kind)
    if method.capabilities.predicts_effects:
        effects = method.predict(test.X)
        if test.tau is not None:
            rows += pehe_rows(data.outcome_names, data.arm_names, test.tau, effects)
        if test.propensity is not None:
            rows += policy_rows(test.treatment, test.y, data.outcome_names, effects, test.propensity)
    return rows


def ranked_by(method: UpliftMethod, overrides: dict, test, data, kind: str):
    """(rank score, metric rows, seconds to rank, arm_rank columns) of the fitted method under a suite's
    `rankings` entry: another ranking rule scored from the same fit (the effects are predicted once)."""
    with method.ranked_by(overrides):
        start = time.perf_counter()
        score = method.rank(test.X, value=0, cost=0 if test.cost is not None else None)
        seconds = time.perf_counter() - start
        return score, metric_rows(method, test, data, kind), seconds, arm_rank_columns(method, test)


def curve_points(cell: Cell, label: str, predictions: pd.DataFrame, arm_names, outcome_names) -> pd.DataFrame:
    """The curve points (benchmarks/curves.py) of one result label of the cell from its test predictions."""
    curves = cell_curves(predictions, arm_names, outcome_names)
    identity = dict(suite=cell.suite, dataset=cell.dataset, method=label, seed=cell.seed)
    return curves.assign(**identity, n_test=len(predictions))[[*identity, "n_test", *CURVE_COLUMNS]]
