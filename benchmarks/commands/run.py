"""`run --suite NAME`: compute a suite's cells into a run folder, resumably, then summarise."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from benchmarks.errors import UsageError
from benchmarks.phases import phase
from benchmarks.plan import cells_of, resolve_suite
from benchmarks.runner import cells_to_compute, logging_to, prepare, run_cells
from benchmarks.store import ResultsStore, exclusive
from benchmarks.summary import headline_table, reference_run, terminal_table
from methods.core.deep.devices import STRATEGIES
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
        "--devices", type=int, help="devices each deep model trains on, joined by DDP (overrides the suite)"
    )
    parser.add_argument(
        "--strategy", choices=STRATEGIES, help="Lightning strategy for the deep models (overrides the suite)"
    )
    parser.set_defaults(handler=run)


def names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def check_data(cells, data_dir) -> None:
    """Load each dataset the cells need once before starting, so missing data stops the run with its clear
    error."""
    from benchmarks.cell import load_data

    for data_key in dict.fromkeys(c.data_key for c in cells):
        load_data(data_key, data_dir)


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
    for option in ("seeds", "trials", "jobs", "devices", "max_epochs"):
        value, least = getattr(args, option), 0 if option == "trials" else 1
        if value is not None and value < least:
            raise UsageError(f"--{option.replace('_', '-')} must be at least {least}, got {value}")
    suite = resolve_suite(args.suite)
    registry = discover()
    cells = cells_of(
        suite,
        registry,
        methods=names(args.methods),
        dataset_names=names(args.datasets),
        seeds=args.seeds,
        trials=args.trials,
        devices=args.devices,
        strategy=args.strategy,
    )
    if not cells:
        raise UsageError(f"suite {suite.name} has no cells to run")
    cells = cap_epochs(cells, registry, args.max_epochs)
    capped = f"-max-epochs-{args.max_epochs}" if args.max_epochs is not None else ""
    out = Path(args.out or Path("runs") / f"{suite.name}{capped}")
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
            with phase("report"):
                results = store.merge()
                mine = summarise(results, cells, suite, out)
    kinds = {c.suite: c.kind for c in cells}
    reference = reference_run(suite.name, out)
    print(terminal_table(mine, kinds, reference, f"results/{suite.name}/" if reference is not None else ""))
    print(f"\nrun folder: {out}")
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
