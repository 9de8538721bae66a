"""Running a list of cells: skip finished ones, compute the rest (in parallel processes with --jobs),
store each as it finishes, show progress, log, and summarise."""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from benchmarks.cell import run_cell
from benchmarks.plan import Cell
from benchmarks.store import ResultsStore

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
log = logging.getLogger("benchmarks.run")


def open_log(out: Path) -> None:
    """Append the run's messages to OUT/run.log."""
    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "run.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False


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


def _worker_init(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def record(store: ResultsStore, cell: Cell, rows: pd.DataFrame, predictions, progress) -> bool:
    """Store a finished cell, log it and advance the bar; whether it failed."""
    store.save(cell.key, rows, predictions)
    status = rows["status"].iloc[0]
    log.info("%s %s %s", cell.key, status, rows["reason"].iloc[0] if status != "ok" else "")
    progress.update(1)
    return status == "error"


def run_cells(
    cells: list[Cell], out: Path, *, data_dir, storage: str, jobs: int = 1, force: bool = False
) -> int:
    """Compute every cell not already stored; the number of cells that failed."""
    store = ResultsStore(out)
    open_log(out)
    if force:
        store.forget({c.key for c in cells})
    done = store.finished()
    todo = [c for c in cells if c.key not in done]
    log.info(
        "run: %d cells, %d already finished, %d to compute, %d jobs",
        len(cells),
        len(cells) - len(todo),
        len(todo),
        jobs,
    )
    failed = 0
    with tqdm(total=len(cells), initial=len(cells) - len(todo), unit="cell", dynamic_ncols=True) as progress:
        if jobs <= 1:
            for cell in todo:
                progress.set_postfix_str(cell.key[-60:])
                failed += record(store, cell, *run_cell(cell, data_dir, storage), progress)
        else:
            threads = max(1, (os.cpu_count() or 1) // jobs)
            context = multiprocessing.get_context("spawn")
            with thread_limits(threads), ProcessPoolExecutor(jobs, context, _worker_init, (threads,)) as pool:
                pending = {pool.submit(run_cell, cell, data_dir, storage): cell for cell in todo}
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        failed += record(store, pending.pop(future), *future.result(), progress)
    return failed
