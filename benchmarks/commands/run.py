"""`run --suite NAME`: compute a suite's cells into a run folder, resumably, then summarise."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
from pathlib import Path

import pandas as pd

from benchmarks.availability import missing_data, missing_error, missing_message
from benchmarks.commands.list import add_plugins_option
from benchmarks.errors import UsageError
from benchmarks.estimate import Estimator
from benchmarks.overrides import parse_settings, seed_numbers
from benchmarks.phases import phase
from benchmarks.plan import cells_of, resolve_suite
from benchmarks.plan_report import estimate_line, plan_text, totals_line
from benchmarks.state import FINISHED, NO_DATA, SKIPPED, cell_states, to_compute
from benchmarks.store import NO_DATA_STATUS, ResultsStore, exclusive
from benchmarks.summary import headline_table, reference_run, terminal_table
from benchmarks.threads import DEFAULT_THREADS
from benchmarks.tuning import holding_storage
from datasets.base import DataError
from methods.core.deep.devices import STRATEGIES
from methods.core.deep.logs import LOGGERS, OPTIONAL_PACKAGES
from methods.core.registry import ENTRY_POINT_GROUP, discover, plugin_paths

log = logging.getLogger("benchmarks.run")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a suite (resumable; finished cells are skipped)")
    parser.add_argument("--suite", required=True, help="suite name (see `list`) or path to a suite .toml")
    parser.add_argument("--methods", help="comma-separated method labels or names to keep")
    parser.add_argument("--datasets", help="comma-separated dataset labels or names to keep")
    parser.add_argument(
        "--seeds",
        type=seed_numbers,
        help="seeds (overrides the suite): a count N (seeds 0..N-1), a range A..B or a list A,B",
    )
    parser.add_argument(
        "--set",
        action="append",
        metavar="METHOD.PARAM=VALUE",
        help="set a method's parameter (repeatable; typed by its default); the cells get a new label, "
        "e.g. mtmt[lr=0.01], and the parameter is not tuned",
    )
    parser.add_argument("--trials", type=int, help="Optuna trials per cell (0 = untuned)")
    parser.add_argument(
        "--jobs",
        type=int,
        help="cells computed in parallel processes (default 1; --dask local: workers, default 2)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"threads of each cell (BLAS, OpenMP, torch), whatever the mode (default {DEFAULT_THREADS})",
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="run the cells on a Dask scheduler (tcp://host:port, or local)"
    )
    parser.add_argument("--data-dir", help="folder holding the raw data files")
    parser.add_argument("--out", help="run folder (default: runs/<suite>)")
    parser.add_argument(
        "--storage",
        help="Optuna storage URL (default: SQLite in the run folder); postgresql://USER@HOST/DB shares each "
        "cell's study with other runs (docs/distributed.md)",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        help="cap the epochs of every method that trains in epochs (a rehearsal; default --out: "
        "runs/<suite>-max-epochs-N, so capped cells never count as the suite's finished ones)",
    )
    parser.add_argument("--force", action="store_true", help="recompute cells already finished")
    parser.add_argument(
        "--plan",
        action="store_true",
        help="say what the run would do and cost (cells per state, missing data, estimated time); "
        "compute nothing, create nothing",
    )
    parser.add_argument(
        "--skip-missing-data",
        action="store_true",
        help="run the cells whose data is present; record the others as 'data not available'",
    )
    parser.add_argument(
        "--devices", type=int, help="devices each deep model trains on, joined by DDP (overrides the suite)"
    )
    parser.add_argument(
        "--strategy", choices=STRATEGIES, help="Lightning strategy for the deep models (overrides the suite)"
    )
    parser.add_argument(
        "--logger",
        choices=LOGGERS,
        default="csv",
        help="Lightning logger of the deep models' per-epoch losses, in the run folder (default csv: "
        "training/<cell>/metrics.csv; tensorboard and mlflow need their package installed)",
    )
    add_plugins_option(parser)
    parser.set_defaults(handler=run)


def names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def check_logger(kind: str) -> None:
    """Refuse a logger whose package is not installed, saying which to install."""
    import importlib.util

    packages = OPTIONAL_PACKAGES.get(kind, ())
    if packages and not any(importlib.util.find_spec(p) for p in packages):
        raise UsageError(f"--logger {kind} needs the package {packages[0]}: pip install {packages[0]}")


def check_method_names(wanted: list[str] | None, registry) -> None:
    """Refuse an import path or a file given to --methods, saying how to make its method known."""
    for name in wanted or []:
        if name in registry.methods or not (":" in name or "/" in name or name.endswith(".py")):
            continue
        same = [n for n, cls in registry.methods.items() if f"{cls.__module__}:{cls.__qualname__}" == name]
        hint = (
            f"it is method {same[0]!r}: pass --methods {same[0]}"
            if same
            else f"make it known with --plugins FILE_OR_FOLDER or an entry point in the group "
            f"{ENTRY_POINT_GROUP}, then pass its `name`"
        )
        raise UsageError(
            f"--methods takes method names (see `list`), not {name!r}: {hint} (docs/contract.md)"
        )


def check_data(cells, data_dir) -> None:
    """Load each dataset the cells need once before starting, so damaged data stops the run with its clear
    error."""
    from benchmarks.cell import load_data

    for data_key in dict.fromkeys(c.data_key for c in cells):
        load_data(data_key, data_dir)


def absent_data(cells, states, data_dir, *, download: bool) -> dict[str, str]:
    """Why the raw file of each dataset that an unfinished cell needs is missing, by data key."""
    needed = [c.data_key for c in cells if states[c.key] not in (FINISHED, SKIPPED)]
    return missing_data(needed, data_dir, download=download)


def record_unavailable(cells, states, missing, store: ResultsStore) -> None:
    """Store a "data not available" row for each cell whose raw file is missing (never a failure; computed
    once the file is there)."""
    from benchmarks.cell import base_row  # loads the method libraries' shared code: not for --plan

    for cell in cells:
        if states[cell.key] == NO_DATA:
            row = base_row(
                cell, status=NO_DATA_STATUS, reason=f"data not available: {missing[cell.data_key]}"
            )
            store.save(cell.key, pd.DataFrame([row]), None, None)


def show_plan(cells, states, expected, missing, jobs: int) -> int:
    """Print the plan (run --plan)."""
    print(plan_text(cells, states, expected, jobs, missing_message(missing) if missing else ""))
    return 0


def cap_epochs(cells, registry, max_epochs: int | None):
    """The cells with max_epochs lowered to `max_epochs` for methods that train in epochs."""
    if max_epochs is None:
        return cells
    capped = []
    for cell in cells:
        defaults = registry.get(cell.method_name).defaults
        if "max_epochs" in defaults:
            epochs = min(max_epochs, cell.params.get("max_epochs", defaults["max_epochs"]))
            cell = dataclasses.replace(cell, params={**cell.params, "max_epochs": epochs})
        capped.append(cell)
    return capped


def run(args) -> int:
    for option in ("trials", "jobs", "threads", "devices", "max_epochs"):
        value, least = getattr(args, option), 0 if option == "trials" else 1
        if value is not None and value < least:
            raise UsageError(f"--{option.replace('_', '-')} must be at least {least}, got {value}")
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise UsageError(f"--data-dir {args.data_dir} is not a folder")
    check_logger(args.logger)
    suite = resolve_suite(args.suite)
    plugins = plugin_paths(args.plugins)
    registry = discover(plugins=plugins)
    check_method_names(names(args.methods), registry)
    cells = cells_of(
        suite,
        registry,
        methods=names(args.methods),
        dataset_names=names(args.datasets),
        seeds=args.seeds,
        trials=args.trials,
        devices=args.devices,
        strategy=args.strategy,
        settings=parse_settings(args.set, registry),
    )
    if not cells:
        raise UsageError(f"suite {suite.name} has no cells to run")
    capped = f"-max-epochs-{args.max_epochs}" if args.max_epochs is not None else ""
    out = Path(args.out or Path("runs") / f"{suite.name}{capped}")
    cells = [
        dataclasses.replace(c, plugins=plugins, logger=args.logger, out=str(out.resolve()))
        for c in cap_epochs(cells, registry, args.max_epochs)
    ]
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    expected = Estimator(registry).costs(cells)
    workers = args.jobs or (2 if args.dask == "local" else 1)
    unfinished = cell_states(cells, ResultsStore(out), force=args.force)  # reads the folder, creates nothing
    missing = absent_data(cells, unfinished, args.data_dir, download=not args.plan)
    if args.plan:
        states = cell_states(cells, ResultsStore(out), missing=missing, force=args.force)
        return show_plan(cells, states, expected, missing, workers)
    if missing and not args.skip_missing_data:
        raise DataError(missing_error(missing))
    from benchmarks.runner import logging_to, prepare, run_cells  # loads the libraries: not for --plan

    with exclusive(out):
        store = ResultsStore(out)
        storage = args.storage or f"sqlite:///{(out / 'optuna.db').resolve()}"
        # the run folder's own storage is held with the folder
        shared = holding_storage(args.storage) if args.storage else contextlib.nullcontext()
        with shared, logging_to(out / "run.log"):
            states = cell_states(cells, store, missing=missing, force=args.force)
            todo = to_compute(cells, states)
            done = sum(state in (FINISHED, SKIPPED) for state in states.values())
            counts = (len(cells), done, len(todo), totals_line(states))
            log.info("run: %d cells, %d already finished, %d to compute (%s)", *counts)
            record_unavailable(cells, states, missing, store)
            check_data(todo, args.data_dir)
            prepare(todo, store, storage, args.force)
            print(estimate_line(todo, expected, workers), file=sys.stderr)
            run_cells(
                [c for c in cells if states[c.key] != NO_DATA],  # the bar's cells
                todo,
                store,
                data_dir=args.data_dir,
                storage=storage,
                jobs=args.jobs,
                dask=args.dask,
                expected=expected,
                threads=args.threads,
            )
            with phase("report"):
                results = store.merge()
                mine = summarise(results, cells, suite, out)
        states = cell_states(cells, store, missing=missing)
    kinds = {c.suite: c.kind for c in cells}
    reference = reference_run(suite.name, out)
    print(terminal_table(mine, kinds, reference, f"results/{suite.name}/" if reference is not None else ""))
    print(f"\n{totals_line(states)}\nrun folder: {out}")
    print("  summary.md (every column), results.parquet (every metric), run.log (warnings, tracebacks)")
    cell_columns = ["suite", "dataset", "method", "seed"]
    failed = len(results.loc[results["status"] == "error", cell_columns].drop_duplicates())
    if failed:
        print(
            f"{failed} cell(s) of {out} failed; see {out / 'cells'}/*.err and {out / 'run.log'}",
            file=sys.stderr,
        )
        return 1
    return 0


def summarise(results, cells, suite, out: Path):
    """This run's cells' rows (with the rows their `rankings` add); their headline table is written to
    OUT/summary.md."""
    keys = {(c.suite, c.dataset, label) for c in cells for label in (c.method, *c.rankings)}
    mine = results[
        [k in keys for k in zip(results["suite"], results["dataset"], results["method"], strict=True)]
    ]
    markdown = headline_table(mine, {c.suite: c.kind for c in cells}).to_markdown(index=False)
    (out / "summary.md").write_text(f"# {suite.name}\n\n{suite.description}\n\n{markdown}\n")
    return mine
