"""Running cells on a Dask distributed cluster (`run --dask ADDRESS`, or `--dask local` for a LocalCluster
on this machine). Dask schedules the cells and reschedules those whose worker is lost; the main process
stores each finished cell through the run folder's store, as a serial run does, so kill and resume behave
the same. Workers receive nothing but the cell description: they import the benchmark code and read the
data from the same paths as the main process (see docs/distributed.md)."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from distributed import Client, LocalCluster, WorkerPlugin, as_completed
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker

from benchmarks.environment import ROOT, git_state
from benchmarks.errors import ClusterError, UsageError
from benchmarks.plan import Cell
from benchmarks.runner import compute_in_worker, log, record, send_logs_to
from benchmarks.store import ResultsStore
from benchmarks.threads import THREAD_VARIABLES

LOCAL = "local"
LOCAL_WORKERS = 2  # --dask local without --jobs
DASK_LOGGERS = ("distributed", "distributed.client", "tornado", "tornado.application", "bokeh")  # its config
RETRIES = 2  # a cell whose task raises (outside run_cell, which records its own errors) is run again
CONNECT_SECONDS = 10
WORKERS_SECONDS = 60  # how long a run waits for a scheduler's first worker
NO_WORKER_SECONDS = 60  # how long a run waits when every worker is lost
CHECK_SECONDS = 5  # how often it asks the scheduler for its workers while no cell finishes
POLL_SECONDS = 0.2  # how often it looks for finished cells


class WrongCheckout(RuntimeError):
    """A worker imports the benchmark code from another folder or at another commit."""


class WorkerSetup(WorkerPlugin):
    """Runs on every worker as it joins (a worker restarted after a loss too): refuses a worker whose
    benchmark code lives elsewhere than the main process's or at another commit, and on a LocalCluster
    routes the worker's log records to OUT/run.log, as the --jobs pool does."""

    def __init__(self, log_path: str | None = None) -> None:
        self.repo, self.commit = checkout(), git_state().commit
        self.log_path = log_path

    def setup(self, worker) -> None:
        where = f"worker {worker.address}"
        if checkout() != self.repo:
            raise WrongCheckout(f"{where} imports the benchmarks from {ROOT}, not {self.repo}")
        if git_state().commit != self.commit:
            raise WrongCheckout(f"{where} has commit {git_state().commit}, not {self.commit}")
        if self.log_path is not None:
            send_logs_to(Path(self.log_path))
            route_dask_logs()


def route_dask_logs() -> None:
    """In a LocalCluster worker: Dask's own records go to run.log too. Dask gives its loggers a handler of
    their own on stderr, which printed a worker's errors over the progress bar (a failed heartbeat while
    the cluster closes after a stop)."""
    for name in DASK_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


def check_address(address: str) -> None:
    """Accept "local" or what Dask's Client takes: tcp://host:port (host:port, other protocol://...)."""
    if address != LOCAL and ":" not in address:
        raise UsageError(
            f"--dask takes local or a scheduler address such as tcp://host:8786, got {address!r}"
        )


def check_storage(address: str, storage: str, todo: list[Cell]) -> None:
    """Workers of a scheduler started elsewhere may sit on other machines: tuned cells then need an Optuna
    storage server that every worker reaches, not the run folder's SQLite file."""
    tuned = any(c.tune and c.trials > 0 for c in todo)
    if address != LOCAL and tuned and storage.startswith("sqlite"):
        raise UsageError(
            f"--dask {address} tunes cells: pass --storage with a database server every worker reaches "
            "(postgresql://...); SQLite in the run folder serves --dask local only"
        )


@contextmanager
def connect(address: str, workers: int | None, log_path: Path, threads: int) -> Iterator[Client]:
    """A client of the scheduler at `address`, or of a LocalCluster (`workers` processes of one task
    each, whose libraries load with `threads` threads, on 127.0.0.1) started here and stopped at the end;
    either way with WorkerSetup on every worker."""
    if address == LOCAL:
        cluster = LocalCluster(
            n_workers=workers or LOCAL_WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env=dict.fromkeys(THREAD_VARIABLES, str(threads)),
        )
        with cluster, Client(cluster) as client:
            register(client, WorkerSetup(str(log_path.resolve())), address)
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {first_line(error)}") from None
    with client:
        check_scheduler(client, address)
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined {address} within {WORKERS_SECONDS} s") from None
        register(client, WorkerSetup(), address)
        yield client


def checkout() -> str:
    """Where this process imports the benchmark code from."""
    return str(ROOT)


def check_scheduler(client: Client, address: str) -> None:
    """The scheduler unpickles each submitted cell, so it must import this checkout too."""
    try:
        found = client.run_on_scheduler(checkout)
    except Exception as error:  # raised by the scheduler: it cannot import the code
        found = first_line(error)
    if found != str(ROOT):
        raise ClusterError(
            f"the Dask scheduler at {address} cannot run this checkout ({found}); it needs it at {ROOT}, "
            "on its PYTHONPATH (see docs/distributed.md)"
        )


def register(client: Client, plugin: WorkerSetup, address: str) -> None:
    try:
        client.register_plugin(plugin, name="uplift-bench-setup")
    except (ImportError, WrongCheckout) as error:  # a worker cannot import this code, or imports another copy
        raise ClusterError(
            f"the workers of {address} cannot run this checkout ({first_line(error)}); each needs it at "
            f"{ROOT}, at the same commit, on its PYTHONPATH (see docs/distributed.md)"
        ) from None
    except Exception as error:  # anything else: a worker that died or lost its connection while starting
        raise ClusterError(
            f"a Dask worker of {address} failed while it was being set up ({first_line(error)}); "
            "run the same command again"
        ) from None


def outcome(future, address: str, watch: WorkerWatch):
    """A finished task's result (run_cell's), or None for a cell whose workers died more often than the
    scheduler allows; ClusterError when the cluster itself fails (run_cell records a cell's own errors).
    A result lost with its worker after the task finished sends the task back to the scheduler: it is
    waited for CHECK_SECONDS at a time, `watch` checking the workers in between (waiting on would hang
    when none is left)."""
    while True:
        try:
            return future.result(timeout=CHECK_SECONDS)
        except TimeoutError:
            if future.done():  # the task's own timeout, or the scheduler's
                raise ClusterError(
                    f"lost the Dask scheduler at {address} (TimeoutError); finished cells are saved, "
                    "run the same command again to resume"
                ) from None
            watch.check()  # the wait ran out: the cell is being computed again
        except KilledWorker:
            return None
        except (OSError, FutureCancelledError) as error:
            raise ClusterError(
                f"lost the Dask scheduler at {address} ({first_line(error)}); finished cells are saved, "
                "run the same command again to resume"
            ) from None
        except Exception as error:
            raise ClusterError(
                f"the Dask cluster at {address} cannot run the cells ({first_line(error)})"
            ) from None


def run_on_dask(
    address: str,
    todo: list[Cell],
    store: ResultsStore,
    *,
    data_dir,
    storage: str,
    workers,
    threads: int,
    progress,
) -> None:
    """Submit every cell to the cluster and store each as it finishes. A cell whose worker dies is
    rescheduled by Dask; one that lost its worker more often than the scheduler allows
    (distributed.scheduler.allowed-failures) is left unstored, so the next run computes it. On any
    exception (a stop, a store that cannot write) the cells not yet stored are cancelled, and a
    LocalCluster started here is closed."""
    check_address(address)
    check_storage(address, storage, todo)
    if not todo:
        return
    data_dir = str(Path(data_dir).resolve()) if data_dir else None  # the same folder on every worker
    run_id = uuid.uuid4().hex[:8]  # task keys of two runs on one scheduler never collide
    lost = []
    with connect(address, workers, store.out / "run.log", threads) as client:
        futures = {
            client.submit(
                compute_in_worker,
                cell,
                data_dir,
                storage,
                threads,
                key=f"{cell.key}-{run_id}",
                retries=RETRIES,
            ): cell
            for cell in todo
        }
        try:
            store_as_completed(client, futures, store, address, progress, lost)
        except BaseException:
            client.cancel(list(futures), force=True)
            raise
    if lost:
        raise ClusterError(
            f"{len(lost)} cell(s) lost their workers; run the same command again to compute them"
        )


def store_as_completed(
    client: Client, futures: dict, store: ResultsStore, address: str, progress, lost: list[str]
) -> None:
    """Store each cell as its future finishes (removing it from `futures`); the keys of cells whose workers
    died too often go to `lost`. ClusterError when the cluster has had no worker for NO_WORKER_SECONDS
    (all lost, none restarted), where waiting on would hang."""
    finished = as_completed(list(futures))
    without_workers = WorkerWatch(client, address)
    while futures:
        batch = finished.next_batch(block=False)
        if not batch:
            without_workers.check()
            time.sleep(POLL_SECONDS)
        for future in batch:
            cell = futures.pop(future)
            result = outcome(future, address, without_workers)
            future.release()  # the scheduler forgets the result: a worker lost later does not recompute it
            if result is None:
                log.error("%s lost: its workers died", cell.key)
                line = f"lost: {cell.key}: its workers died; it runs again next time"
                progress.write(line, file=sys.stderr)
                lost.append(cell.key)
            else:
                record(store, cell, *result, progress)


class WorkerWatch:
    """Asks the scheduler every CHECK_SECONDS how many workers it has; check() raises ClusterError once it
    has had none for NO_WORKER_SECONDS."""

    def __init__(self, client: Client, address: str) -> None:
        self.client, self.address = client, address
        self.checked = self.last_seen = time.monotonic()

    def check(self) -> None:
        now = time.monotonic()
        if now - self.checked < CHECK_SECONDS:
            return
        self.checked = now
        if self.client.scheduler_info()["workers"]:
            self.last_seen = now
        elif now - self.last_seen >= NO_WORKER_SECONDS:
            raise ClusterError(
                f"the Dask cluster at {self.address} has had no worker for {NO_WORKER_SECONDS} s (all lost); "
                "finished cells are saved: run the same command again to resume"
            )
