"""The thread budget of a cell: the threads its BLAS, OpenMP and torch may use, the same whether the run is
serial, in --jobs processes or on Dask, so that a cell's values do not depend on how the run was started
(float sums in another order differ in the last bits: CRM's values moved by up to 3.8e-05 between one and
two threads). Recorded per row as results.parquet's `threads` column; docs/contract.md says what a method
may assume."""

from __future__ import annotations

import os
from contextlib import contextmanager

DEFAULT_THREADS = 1  # per cell; parallelism comes from computing cells side by side (--jobs, Dask)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@contextmanager
def thread_variables(threads: int):
    """The environment variables that size the thread pools of libraries loaded (or processes started)
    within the block."""
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


@contextmanager
def thread_budget(threads: int):
    """Run a cell with `threads` threads: the BLAS and OpenMP libraries already loaded are limited with
    threadpoolctl, those loaded during the cell read the environment variables, torch's intra-op pool is
    set with torch.set_num_threads."""
    import threadpoolctl  # loaded by the cell, not by `run --plan` or `--help`
    import torch

    previous = torch.get_num_threads()
    with thread_variables(threads), threadpoolctl.threadpool_limits(limits=threads):
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)
