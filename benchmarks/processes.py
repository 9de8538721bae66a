"""Ending the processes a run started, so that a stopped run leaves none behind: pool workers with their
joblib helpers, a LocalCluster's nannies and workers.

Nothing here reaps a process (waitpid): the multiprocessing objects that started them do, and one that
finds its child reaped by someone else takes it for alive forever (a ProcessPoolExecutor then never
shuts down)."""

from __future__ import annotations

import multiprocessing.resource_tracker
import time

import psutil

GRACE_SECONDS = 2.0  # how long a terminated process may take to exit before it is killed


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait up to `timeout` seconds for the processes to exit; those still alive."""
    deadline = time.monotonic() + timeout
    alive = [p for p in processes if not gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if not gone(p)]
    return alive


def send(processes: list[psutil.Process], kill: bool) -> None:
    for process in processes:
        try:
            process.kill() if kill else process.terminate()
        except psutil.NoSuchProcess:
            continue


def descendants(pid: int) -> list[psutil.Process]:
    """Every process below `pid`, the deepest first; [] when it is gone."""
    try:
        return psutil.Process(pid).children(recursive=True)[::-1]
    except psutil.NoSuchProcess:
        return []


def kill_workers(workers) -> None:
    """SIGKILL pool workers (multiprocessing.Process objects) and every process below them at once: they
    ignore SIGTERM and hold nothing a kill could damage (the main process stores every result)."""
    helpers = [process for worker in workers for process in descendants(worker.pid)]
    send(helpers, kill=True)
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join(GRACE_SECONDS)
    wait_gone(helpers, GRACE_SECONDS)


def end_descendants() -> None:
    """Terminate every process this one started and left running, and kill those still alive after a
    grace period; multiprocessing's resource tracker stays (it exits with this process, and cleans up
    after it)."""
    tracker = multiprocessing.resource_tracker._resource_tracker._pid  # noqa: SLF001 - no public accessor
    processes = [p for p in psutil.Process().children(recursive=True)[::-1] if p.pid != tracker]
    send(processes, kill=False)
    send(wait_gone(processes, GRACE_SECONDS), kill=True)
    wait_gone(processes, GRACE_SECONDS)
