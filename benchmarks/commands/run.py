"""`run --suite NAME`: compute a suite's cells into a run folder, resumably, then summarise."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.errors import UsageError
from benchmarks.plan import cells_of, resolve_suite
from benchmarks.runner import cells_to_compute, logging_to, prepare, run_cells
from benchmarks.store import ResultsStore, exclusive
from benchmarks.summary import headline_table
from methods.core.registry import discover


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a suite (resumable; finished cells are skipped)")
    parser.add_argument("--suite", required=True, help="suite name (see `list`) or path to a suite .toml")
    parser.add_argument("--methods", help="comma-separated method labels or names to keep")
    parser.add_argument("--datasets", help="comma-separated dataset labels or names to keep")
    parser.add_argument("--seeds", type=int, help="repetitions (overrides the suite)")
    parser.add_argument("--trials", type=int, help="Optuna trials per cell (0 = untuned)")
    parser.add_argument(
        "--jobs",
        type=int,
        help="cells computed in parallel processes (default 1; --dask local: workers, default 2)",
    )
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="run the cells on a Dask scheduler (tcp://host:port, or local)"
    )
    parser.add_argument("--data-dir", help="folder holding the raw data files")
    parser.add_argument("--out", help="run folder (default: runs/<suite>)")
    parser.add_argument("--storage", help="Optuna storage URL (default: SQLite in the run folder)")
    parser.add_argument("--force", action="store_true", help="recompute cells already finished")
    parser.set_defaults(handler=run)


def names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def check_data(cells, data_dir) -> None:
    """Load each dataset the cells need once before starting, so missing data stops the run with its clear
    error."""
    from benchmarks.cell import load_data

    for data_key in dict.fromkeys(c.data_key for c in cells):
        load_data(data_key, data_dir)


def run(args) -> int:
    for option in ("seeds", "trials", "jobs"):
        value = getattr(args, option)
        if value is not None and value < (1 if option != "trials" else 0):
            raise UsageError(f"--{option} must be at least {1 if option != 'trials' else 0}, got {value}")
    suite = resolve_suite(args.suite)
    registry = discover()
    cells = cells_of(
        suite,
        registry,
        methods=names(args.methods),
        dataset_names=names(args.datasets),
        seeds=args.seeds,
        trials=args.trials,
    )
    if not cells:
        raise UsageError(f"suite {suite.name} has no cells to run")
    out = Path(args.out or Path("runs") / suite.name)
    with exclusive(out):
        store = ResultsStore(out)
        storage = args.storage or f"sqlite:///{(out / 'optuna.db').resolve()}"
        with logging_to(out / "run.log"):
            todo = cells_to_compute(cells, store, args.force)
            check_data(todo, args.data_dir)
            prepare(todo, store, storage, args.force)
            run_cells(
                cells, todo, store, data_dir=args.data_dir, storage=storage, jobs=args.jobs, dask=args.dask
            )
        results = store.merge()
    cell_columns = ["suite", "dataset", "method", "seed"]
    failed = len(results.loc[results["status"] == "error", cell_columns].drop_duplicates())
    keys = {(c.suite, c.dataset, c.method) for c in cells}
    mine = results[
        [k in keys for k in zip(results["suite"], results["dataset"], results["method"], strict=True)]
    ]
    kinds = {c.suite: c.kind for c in cells}
    table = headline_table(mine, kinds)
    markdown = table.to_markdown(index=False)
    (out / "summary.md").write_text(f"# {suite.name}\n\n{suite.description}\n\n{markdown}\n")
    print(markdown)
    print(f"\nresults: {out / 'results.parquet'}  predictions: {out / 'predictions'}  log: {out / 'run.log'}")
    if failed:
        print(
            f"{failed} cell(s) of {out} failed; see {out / 'cells'}/*.err and {out / 'run.log'}",
            file=sys.stderr,
        )
        return 1
    return 0
