"""Stopping a run cleanly on the first SIGINT (Ctrl-C) or SIGTERM, whether it was sent to the process group or
to the main process alone: the signal raises `Stopped` in the main process, the runner stops scheduling
and cancels the queued cells, and benchmarks/processes.py ends every process the run started (pool workers,
their joblib helpers, a LocalCluster's nannies and workers). Finished cells are already stored; the cells
that were running are computed again by the next run."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):  # noqa: N818 - not an error: the user asked for it
    """The command was stopped by a signal; `out` is the run folder once cells are being computed."""

    def __init__(self, signum: int, out: Path | None = None) -> None:
        super().__init__(signum)
        self.signum, self.out = signum, out

    @property
    def exit_status(self) -> int:
        """128 + the signal's number, as a shell reports a process ended by it: 130 SIGINT, 143 SIGTERM."""
        return 128 + self.signum

    def __str__(self) -> str:
        name = signal.Signals(self.signum).name
        if self.out is None:  # before any cell was computed, or another command than `run`
            return f"stopped by {name}: run the same command again to resume"
        return (
            f"stopped by {name}: finished cells are saved in {self.out}; run the same command again to "
            "resume (the cells that were running are computed again)"
        )


@contextmanager
def stop_on_signals():
    """Within the block the first SIGINT or SIGTERM raises Stopped in the main thread; later ones are ignored
    while the run stops. Outside the main thread (where Python delivers no signal) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame) -> None:
        for number in SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def ignore_signals() -> None:
    """Ignore SIGINT and SIGTERM from here on: in a pool worker, to leave them to the main process, which
    ends the worker itself (a worker interrupted on its own would go on to the next queued cell); in the
    main process, once the command is over."""
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)


@contextmanager
def children_ignore_sigint():
    """Processes started (spawned) within the block ignore SIGINT from their first instruction: a Ctrl-C
    to the process group while a pool worker imports Python would otherwise print its traceback. A SIGINT
    that arrives in the block itself (submitting the cells: milliseconds) is lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited across exec; Python keeps it
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
