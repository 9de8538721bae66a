"""Running a list of cells: skip finished ones, compute the rest (in parallel processes with --jobs),
store each as it finishes, show progress, log, and summarise.

The terminal shows the progress bar and one line per skipped or failed cell; everything else (each
cell's outcome, failed cells' tracebacks, Optuna's trial log, libraries' warnings and log lines) goes to
OUT/run.log, from the main process and from every worker."""

from __future__ import annotations

import logging
import multiprocessing
import os
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
from benchmarks.progress import CellProgress
from benchmarks.store import ResultsStore
from benchmarks.tuning import delete_studies, open_storage

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
log = logging.getLogger("benchmarks.run")


def send_logs_to(path: Path) -> Callable[[], None]:
    """Send every log record and warning of this process to `path` (run.log) instead of the terminal:
    the root logger gets a file handler, warnings become log records, Optuna's own handler gives way to
    propagation to the root. Returns the function that restores the previous settings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
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


@contextmanager
def thread_limits(threads: int):
    """Environment for worker processes: each uses `threads` threads (no oversubscription)."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def worker_init(threads: int, log_path: Path) -> None:
    send_logs_to(log_path)  # for the worker's lifetime
    import torch

    torch.set_num_threads(threads)


def shut_down_loky() -> None:
    """Stop joblib's reusable loky executor if a library started one in this process: its idle workers
    live five minutes, and a pool worker does not exit (so the run does not end) while they do."""
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True)


def compute_in_worker(cell: Cell, data_dir, storage: str):
    """run_cell in a pool worker, leaving no helper processes behind."""
    log.info("start %s", cell.key)
    try:
        return run_cell(cell, data_dir, storage)
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
) -> None:
    """Compute the `todo` cells of `cells` and store each as it finishes: here, in `jobs` processes, or on
    the Dask cluster at address `dask` ("local": a LocalCluster of `jobs` workers, 2 by default); the bar
    advances by each cell's `expected` seconds."""
    workers = jobs or (2 if dask == "local" else 1)
    with CellProgress(cells, todo, expected or {}, workers) as bar:
        if dask:
            from benchmarks.cluster import run_on_dask  # imports distributed only when asked for

            run_on_dask(dask, todo, store, data_dir=data_dir, storage=storage, workers=jobs, progress=bar)
        elif not jobs or jobs <= 1:
            for cell in todo:
                bar.set_postfix_str(cell.key[-60:])
                log.info("start %s", cell.key)
                record(store, cell, *run_cell(cell, data_dir, storage), bar)
            shut_down_loky()
        else:
            threads = max(1, (os.cpu_count() or 1) // jobs)
            context = multiprocessing.get_context("spawn")
            init = (threads, store.out / "run.log")
            with thread_limits(threads), ProcessPoolExecutor(jobs, context, worker_init, init) as pool:
                pending = {pool.submit(compute_in_worker, c, data_dir, storage): c for c in todo}
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        record(store, pending.pop(future), *future.result(), bar)


def prepare(todo: list[Cell], store: ResultsStore, storage: str, force: bool) -> None:
    """Remove the stale files of the cells to compute (and with --force their Optuna studies, so they are
    tuned afresh), and create the storage schema once, here, before any worker opens it."""
    store.forget({c.key for c in todo})
    tuned = [c.key for c in todo if c.tune and c.trials > 0]
    if tuned:
        open_storage(storage)
        if force:
            delete_studies(storage, tuned)
