"""From a suite file and the command-line filters to the list of cells to run.

A cell is one (suite, dataset, method label, seed): the unit that is computed, stored and resumed."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
from benchmarks import suites
from benchmarks.errors import UsageError
from benchmarks.overrides import set_label
from benchmarks.validation import check_dataset_options, check_method_params
from methods.core.registry import Registry


@dataclass(frozen=True)
class Cell:
    """Everything needed to compute one cell, in plain data (it crosses process boundaries)."""

    suite: str
    dataset: str  # label used in results
    dataset_name: str  # registered dataset module
    dataset_options: dict[str, Any]
    max_rows: int
    method: str  # label used in results
    method_name: str  # registered method
    params: dict[str, Any]
    tune: bool
    seed: int
    trials: int
    split: tuple[float, float, float]
    kind: str
    devices: int = 1  # the Lightning models' devices and strategy (suite [trainer] table, --devices)
    strategy: str = "auto"
    pinned: tuple[str, ...] = ()  # parameters given with --set: kept out of the Optuna search
    plugins: tuple[str, ...] = ()  # plug-in paths the worker computing the cell discovers methods from
    logger: str = "none"  # the Lightning logger of the final fit's epochs (methods/core/deep/logs.py)
    out: str = ""  # the run folder, where that logger writes
    rankings: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> ranking overrides

    @property
    def key(self) -> str:
        """A file-safe identifier, unique within a run folder."""
        return cell_key(self.suite, self.dataset, self.method, self.seed)

    @property
    def data_key(self) -> str:
        """Identifies the loaded dataset (cells sharing it share one load per process)."""
        return json.dumps([self.dataset_name, self.dataset_options, self.max_rows], sort_keys=True)


def cell_key(suite: str, dataset: str, method: str, seed: int) -> str:
    """The file-safe identifier of the cell (suite, dataset label, method label, seed)."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "-", f"{suite}__{dataset}__{method}__seed{seed}")


def resolve_suite(name_or_path: str) -> suites.Suite:
    """A suite by name, or from a TOML file path."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml"):
        if not path.is_file():
            raise UsageError(f"suite file {name_or_path} does not exist")
        return suites.load_file(path)
    return suites.load(name_or_path)


def method_entries(suite: suites.Suite, registry: Registry, wanted: list[str] | None = None):
    """The suite's [[methods]], or every registered method when it lists none, plus any registered method
    asked for by name on the command line that the suite does not list. A suite's [overrides] table gives
    parameters by method name (e.g. fewer epochs in the smoke suite); an entry's own parameters win."""
    entries = [
        dataclasses.replace(e, params={**suite.overrides.get(e.name, {}), **e.params}) for e in suite.methods
    ] or [suites.MethodEntry(name, params=suite.overrides.get(name, {})) for name in sorted(registry.methods)]
    listed = {e.label or e.name for e in entries} | {e.name for e in entries}
    entries += [
        suites.MethodEntry(name, params=suite.overrides.get(name, {}))
        for name in wanted or []
        if name not in listed and (name in registry.methods or name in registry.refused)
    ]
    for entry in entries:
        where = f"suite file {suite.path or suite.name}: method {entry.label or entry.name}"
        method_class = registry.get(entry.name)  # MethodError if unknown
        check_method_params(method_class, entry.params, where)
        for overrides in entry.rankings.values():
            method_class.check_ranking(overrides)
            check_method_params(method_class, {**entry.params, **overrides}, where)
    labels = [e.label or e.name for e in entries]
    derived = [label for e in entries for label in e.rankings]
    clashes = sorted({label for label in derived if label in labels or derived.count(label) > 1})
    if clashes:
        raise UsageError(f"suite {suite.name!r}: the ranking label {clashes[0]} names another row too")
    return entries


def cells_of(
    suite: suites.Suite,
    registry: Registry,
    *,
    methods: list[str] | None = None,
    dataset_names: list[str] | None = None,
    seeds: int | Sequence[int] | None = None,
    trials: int | None = None,
    devices: int | None = None,
    strategy: str | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
    seen: tuple[str, ...] = (),
) -> list[Cell]:
    """Every cell of the suite and of the suites it includes, filtered by the command line (which may
    also override the seeds (a count or the seed numbers), trials, the deep models' devices and strategy,
    and methods' parameters: `settings`, {method name: {parameter: value}} from --set)."""
    if suite.name in seen:
        raise UsageError(f"suite {suite.name!r} includes itself")
    cells: list[Cell] = []
    for included in suite.include:
        cells += cells_of(
            suites.load(included),
            registry,
            methods=None,
            dataset_names=None,
            seeds=seeds,
            trials=trials,
            devices=devices,
            strategy=strategy,
            seen=(*seen, suite.name),
        )
    for dataset in suite.datasets:
        module = datasets.dataset_module(dataset.name)  # DataError listing valid names
        where = f"suite file {suite.path or suite.name}: dataset {dataset.label or dataset.name}"
        check_dataset_options(module.load, dataset.options, where)
    chosen_seeds = seeds if isinstance(seeds, Sequence) else range(suite.seeds if seeds is None else seeds)
    for dataset in suite.datasets:
        for method in method_entries(suite, registry, methods):
            for seed in chosen_seeds:
                cells.append(
                    Cell(
                        suite=suite.name,
                        dataset=dataset.label or dataset.name,
                        dataset_name=dataset.name,
                        dataset_options=dataset.options,
                        max_rows=dataset.max_rows,
                        method=method.label or method.name,
                        method_name=method.name,
                        params=method.params,
                        tune=method.tune,
                        seed=seed,
                        trials=trials if trials is not None else suite.trials,
                        split=suite.split,
                        kind=suite.kind,
                        devices=devices if devices is not None else suite.trainer.devices,
                        strategy=strategy if strategy is not None else suite.trainer.strategy,
                        rankings=method.rankings,
                    )
                )
    cells = _select(cells, methods, "method", lambda c: (c.method, c.method_name, *c.rankings))
    cells = _select(cells, dataset_names, "dataset", lambda c: (c.dataset, c.dataset_name))
    return with_settings(cells, settings) if settings and not seen else cells


def with_settings(cells: list[Cell], settings: dict[str, dict[str, Any]]) -> list[Cell]:
    """The cells with the --set parameters of their method, labelled by them (`mtmt[lr=0.01]`): a changed
    parameter makes new cells, never a finished cell of the suite's own parameters."""
    absent = sorted(set(settings) - {c.method_name for c in cells})
    if absent:
        running = ", ".join(sorted({c.method_name for c in cells}))
        raise UsageError(f"--set names {', '.join(absent)}, which this run does not run; it runs {running}")
    changed = []
    for cell in cells:
        values = settings.get(cell.method_name, {})
        if values:
            cell = dataclasses.replace(
                cell,
                method=set_label(cell.method, values),
                params={**cell.params, **values},
                pinned=tuple(sorted(values)),
            )
        changed.append(cell)
    return changed


def _select(cells: list[Cell], wanted: list[str] | None, what: str, names) -> list[Cell]:
    if not wanted:
        return cells
    known = {n for c in cells for n in names(c)}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        valid = ", ".join(sorted(known))
        raise UsageError(f"unknown {what} {', '.join(unknown)} in this suite; valid names: {valid}")
    return [c for c in cells if set(names(c)) & set(wanted)]
