"""The expected cost of cells, from the timings the committed reference runs recorded.

Each finished cell of results/*/results.parquet recorded its fit and predict seconds, its training rows
and (since tune_seconds was kept) the seconds and number of its Optuna trials; a tuned reference cell
without them counts each trial as one fit. A cell costs its training rows times the reference's median
seconds per training row, plus its trials times the reference's median seconds per trial and row. The
reference is the most specific one known: the same data, method and parameters; else the same dataset,
method and parameters (other rows); else the same dataset and method; else the same method on any data.
Data load, split and scoring are not counted."""

from __future__ import annotations

import heapq
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

import datasets
from benchmarks import suites
from benchmarks.errors import USER_ERRORS
from benchmarks.plan import Cell, cells_of
from benchmarks.summary import REFERENCE_DIR
from methods.core.base import UpliftMethod
from methods.core.registry import Registry

COLUMNS = ["suite", "dataset", "method", "seed", "status", "fit_seconds", "predict_seconds", "n_train"]
TUNING_COLUMNS = ["tune_seconds", "tune_trials"]


@dataclass(frozen=True)
class Timing:
    """A reference's median rates: fit and predict seconds per training row, seconds per tuning trial and
    training row, and its median training rows."""

    per_row: float
    per_trial_row: float
    n_train: float


def reference_cells(registry: Registry, reference_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """One row per finished cell of the committed runs whose suite file still exists, with the data key,
    method name and parameters its suite declares."""
    frames = []
    for path in sorted(reference_dir.glob("*/results.parquet")):
        if not (suites.SUITES_DIR / f"{path.parent.name}.toml").is_file():
            continue
        try:
            declared = {(c.dataset, c.method): c for c in cells_of(suites.load(path.parent.name), registry)}
        except USER_ERRORS:  # a committed run whose suite file was removed or no longer parses
            continue
        present = set(pq.read_schema(path).names)
        frame = pd.read_parquet(path, columns=[c for c in COLUMNS + TUNING_COLUMNS if c in present])
        frame = frame[frame["status"] == "ok"].drop_duplicates(["suite", "dataset", "method", "seed"])
        cells = [declared.get(pair) for pair in zip(frame["dataset"], frame["method"], strict=True)]
        frame = frame.assign(
            data_key=[c.data_key if c else None for c in cells],
            dataset_name=[c.dataset_name if c else None for c in cells],
            method_name=[c.method_name if c else None for c in cells],
            params=[json.dumps(c.params, sort_keys=True) if c else None for c in cells],
            train_fraction=[c.split[0] if c else None for c in cells],
        )
        frames.append(frame.dropna(subset=["data_key"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def per_trial_seconds(cells: pd.DataFrame) -> pd.Series:
    """Seconds per tuning trial: recorded, or one fit per trial for a tuned cell recorded before."""
    fit = cells["fit_seconds"]
    if "tune_seconds" not in cells:
        return fit
    recorded = cells["tune_seconds"] / cells["tune_trials"].where(cells["tune_trials"] > 0)
    return recorded.fillna(fit)


class Estimator:
    """Expected seconds of cells (one process each), from the reference runs' recorded timings."""

    LEVELS = (
        ("data_key", "method_name", "params"),
        ("dataset_name", "method_name", "params"),
        ("dataset_name", "method_name"),
        ("method_name",),
    )

    def __init__(self, registry: Registry, reference_dir: Path = REFERENCE_DIR) -> None:
        self.registry = registry
        cells = reference_cells(registry, reference_dir)
        self.tables = []
        if len(cells):
            cells = cells[cells["n_train"] > 0]
            cells = cells.assign(
                per_row=(cells["fit_seconds"] + cells["predict_seconds"].fillna(0)) / cells["n_train"],
                per_trial_row=per_trial_seconds(cells) / cells["n_train"],
                total_rows=cells["n_train"] / cells["train_fraction"],
            )
            for level in self.LEVELS:
                medians = cells.groupby(list(level))[["per_row", "per_trial_row", "n_train"]].median()
                rows = zip(medians.index, medians.itertuples(index=False), strict=True)
                self.tables.append({key: Timing(*row) for key, row in rows})
            full = cells.assign(
                options=[json.dumps(json.loads(k)[1], sort_keys=True) for k in cells["data_key"]]
            )
            self.rows = full.groupby("data_key")["total_rows"].median().to_dict()
            self.full_rows = full.groupby(["dataset_name", "options"])["total_rows"].max().to_dict()
        else:
            self.rows, self.full_rows = {}, {}

    def training_rows(self, cell: Cell) -> float | None:
        """The cell's expected training rows: its data's as a reference run recorded them, else the largest
        size recorded for its dataset with the same options, else the official file's declared rows, capped
        at its max_rows; None when unknown."""
        total = self.rows.get(cell.data_key)
        if total is None:
            name, options, max_rows = json.loads(cell.data_key)
            total = self.full_rows.get((name, json.dumps(options, sort_keys=True))) or official_rows(
                name, options
            )
            if total is not None and max_rows:
                total = min(total, max_rows)
        return None if total is None else total * cell.split[0]

    def trials(self, cell: Cell) -> int:
        """The Optuna trials the cell will run."""
        method = self.registry.get(cell.method_name)
        searchable = method.search_space.__func__ is not UpliftMethod.search_space.__func__
        return cell.trials if cell.tune and searchable else 0

    def costs(self, cells: list[Cell]) -> dict[str, float | None]:
        """Each cell's expected seconds by key."""
        return {c.key: self.seconds(c) for c in cells}

    def seconds(self, cell: Cell) -> float | None:
        """Expected seconds of the cell; None when no reference run has its method."""
        if not self.tables:  # no reference run at all
            return None
        params = json.dumps(cell.params, sort_keys=True)
        keys = (
            (cell.data_key, cell.method_name, params),
            (cell.dataset_name, cell.method_name, params),
            (cell.dataset_name, cell.method_name),
            cell.method_name,
        )
        for table, key in zip(self.tables, keys, strict=True):
            timing = table.get(key)
            if timing is not None:
                rows = self.training_rows(cell) or timing.n_train
                return rows * (timing.per_row + self.trials(cell) * timing.per_trial_row)
        return None


def official_rows(name: str, options: dict) -> int | None:
    """The rows a dataset module declares for its official file (ROWS), unless an option picks another
    file (a keyword of its raw_file, such as `path` or `generated_rows`)."""
    module = datasets.dataset_module(name)
    finder = getattr(module, "raw_file", None)
    if finder is None or set(options) & (set(inspect.signature(finder).parameters) - {"data_dir"}):
        return None
    return getattr(module, "ROWS", None)


def wall_seconds(costs: list[float], workers: int) -> float:
    """The wall time of cells of these costs, started in order on `workers` processes as each frees."""
    free = [0.0] * max(1, workers)
    for cost in costs:
        heapq.heappush(free, heapq.heappop(free) + cost)
    return max(free)


def duration(seconds: float) -> str:
    """Seconds as '2 h 05 min', '12 min' or '40 s'."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
