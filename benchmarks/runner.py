"""Running a list of cells: skip finished ones, compute the rest (in parallel processes with --jobs),
store each as it finishes, show progress, log, and summarise.

The terminal shows the progress bar and one line per skipped or failed cell; everything else (each
cell's outcome, failed cells' tracebacks, Optuna's trial log, libraries' warnings and log lines) goes to
OUT/run.log, from the main process and from every worker."""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

import optuna
import pandas as pd

from benchmarks.cell import run_cell
from benchmarks.phases import phase
from benchmarks.plan import Cell
from benchmarks.processes import GRACE_SECONDS, end_descendants, kill_workers
from benchmarks.progress import CellProgress
from benchmarks.stopping import Stopped, children_ignore_sigint, ignore_signals
from benchmarks.store import ResultsStore
from benchmarks.threads import DEFAULT_THREADS, thread_variables
from benchmarks.tuning import delete_studies, open_storage

log = logging.getLogger("benchmarks.run")


class QuietFileHandler(logging.FileHandler):
    """A file handler that drops a record it cannot write (a full disk) instead of printing a traceback on
    the terminal for each: the store's next write stops the run with one line."""

    def handleError(self, record) -> None:  # noqa: N802 - logging's name
        pass


def send_logs_to(path: Path) -> Callable[[], None]:
    """Send every log record and warning of this process to `path` (run.log) instead of the terminal:
    the root logger gets a file handler, warnings become log records, Optuna's own handler gives way to
    propagation to the root. Returns the function that restores the previous settings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = QuietFileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()

    def restore() -> None:
        optuna.logging.enable_default_handler()
        optuna.logging.disable_propagation()
        logging.captureWarnings(False)
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()

    return restore


@contextmanager
def logging_to(path: Path):
    """send_logs_to for the duration of a block."""
    restore = send_logs_to(path)
    try:
        yield
    finally:
        restore()


def worker_init(log_path: Path) -> None:
    """Set up a pool worker: its log records go to run.log, and the signals of a stop to the main process."""
    ignore_signals()
    send_logs_to(log_path)  # for the worker's lifetime


def shut_down_loky() -> None:
    """Stop joblib's reusable loky executor if a library started one in this process: its idle workers
    live five minutes, and a pool worker does not exit (so the run does not end) while they do."""
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


def compute_in_worker(cell: Cell, data_dir, storage: str, threads: int):
    """run_cell in a pool worker, leaving no helper processes behind."""
    log.info("start %s", cell.key)
    try:
        return run_cell(cell, data_dir, storage, threads)
    finally:
        shut_down_loky()


def record(
    store: ResultsStore, cell: Cell, rows: pd.DataFrame, predictions, curves, details: str, progress
) -> None:
    """Store a finished cell (run_cell's CellResult, unpacked), log it, say so on the terminal if it was
    skipped or failed, and advance the bar."""
    with phase("save", cell.key):
        store.save(cell.key, rows, predictions, curves, details)
    status, reason = rows["status"].iloc[0], rows["reason"].iloc[0]
    log.info("%s %s %s", cell.key, status, reason)
    if details:
        log.error("%s traceback:\n%s", cell.key, details)
    if status != "ok":
        where = f" (traceback: {store.cells / (cell.key + '.err')})" if status == "error" else ""
        progress.write(f"{status}: {cell.key}: {reason}{where}", file=sys.stderr)
    progress.advance(cell)


def run_cells(
    cells: list[Cell],
    todo: list[Cell],
    store: ResultsStore,
    *,
    data_dir,
    storage: str,
    jobs: int | None = None,
    dask: str | None = None,
    expected: dict[str, float | None] | None = None,
    threads: int = DEFAULT_THREADS,
) -> None:
    """Compute the `todo` cells of `cells` and store each as it finishes: here, in `jobs` processes, or on
    the Dask cluster at address `dask` ("local": a LocalCluster of `jobs` workers, 2 by default); each
    cell with `threads` threads; the bar advances by each cell's `expected` seconds. A stop (Stopped,
    raised by the signal handler that `python -m benchmarks` installs) cancels the queued cells and ends
    every process of the run before it goes on up."""
    workers = jobs or (2 if dask == "local" else 1)
    with CellProgress(cells, todo, expected or {}, workers) as bar:
        try:
            if dask:
                from benchmarks.cluster import run_on_dask  # imports distributed only when asked for

                run_on_dask(
                    dask,
                    todo,
                    store,
                    data_dir=data_dir,
                    storage=storage,
                    workers=jobs,
                    threads=threads,
                    progress=bar,
                )
            elif not jobs or jobs <= 1:
                run_here(todo, store, data_dir, storage, threads, bar)
            else:
                run_in_pool(todo, store, data_dir, storage, threads, jobs, bar)
        except Stopped as stop:  # the signals stay ignored until every process of the run is gone
            end_descendants()
            stop.out = store.out
            log.info("%s", stop)
            raise


def run_here(todo: list[Cell], store: ResultsStore, data_dir, storage: str, threads: int, bar) -> None:
    """Compute the cells one after the other in this process."""
    for cell in todo:
        bar.set_postfix_str(cell.key[-60:])
        log.info("start %s", cell.key)
        record(store, cell, *run_cell(cell, data_dir, storage, threads), bar)
    shut_down_loky()


def run_in_pool(
    todo: list[Cell], store: ResultsStore, data_dir, storage: str, threads: int, jobs: int, bar
) -> None:
    """Compute the cells in `jobs` worker processes; on any exception (a stop, a store that cannot write)
    the queued cells are cancelled and the workers killed with whatever they were computing."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(jobs, context, worker_init, (store.out / "run.log",))
    try:
        # workers start as cells are submitted, and load their libraries then
        with thread_variables(threads), children_ignore_sigint():
            pending = {pool.submit(compute_in_worker, c, data_dir, storage, threads): c for c in todo}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                record(store, pending.pop(future), *future.result(), bar)
    except BaseException:
        # no public way to reach the workers and the pool's manager thread
        workers = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        kill_workers(workers)
        if manager is not None:  # it ends on seeing the workers gone; exiting before it would race it
            manager.join(GRACE_SECONDS)
        raise
    pool.shutdown()


def prepare(todo: list[Cell], store: ResultsStore, storage: str, force: bool) -> None:
    """Remove the stale files of the cells to compute (and with --force their Optuna studies, so they are
    tuned afresh), and create the storage schema once, here, before any worker opens it."""
    store.forget({c.key for c in todo})
    tuned = [c.key for c in todo if c.tune and c.trials > 0]
    if tuned:
        open_storage(storage)
        if force:
            delete_studies(storage, tuned)
