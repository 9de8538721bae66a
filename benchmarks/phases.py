"""Wall time and peak memory of a run's phases (data load, split, fit, predict, metrics, save, report):
each finished phase is one line in run.log, `phase NAME [CELL]: 12.3 s, peak RSS 1.84 GiB`, which
`read_phases` parses back (scripts/rehearse_criteo.py builds its table from them).

Peak RSS is the process's high-water mark during the phase: on Linux the mark is reset when the phase
starts (writing 5 to /proc/self/clear_refs) and read from VmHWM when it ends; where that is not possible
it is the process's peak since it started (getrusage), which can only overstate. Phases do not nest.
A reset also lowers what getrusage reports as the process's peak (ru_maxrss), so a process's whole peak
is the highest of its phases' peaks."""

from __future__ import annotations

import logging
import re
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("benchmarks.phases")
LINE = re.compile(
    r"phase (?P<phase>[\w-]+)(?: (?P<cell>\S+))?: (?P<seconds>[\d.]+) s, peak RSS (?P<gib>[\d.]+) GiB"
)


def reset_peak() -> bool:
    """Restart the process's peak-RSS mark; False where the OS does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    """The process's peak resident memory since the last reset (VmHWM), or since it started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


@contextmanager
def phase(name: str, cell: str = ""):
    """Log the block's wall time and peak RSS as one `phase` line (also when the block raises)."""
    reset_peak()
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        where = f" {cell}" if cell else ""
        log.info("phase %s%s: %.2f s, peak RSS %.3f GiB", name, where, seconds, peak_rss_bytes() / 2**30)


def read_phases(text: str) -> list[dict]:
    """The phase lines of a log, in order: phase, cell ("" for none), seconds, peak GiB."""
    return [
        {
            "phase": m["phase"],
            "cell": m["cell"] or "",
            "seconds": float(m["seconds"]),
            "peak_gib": float(m["gib"]),
        }
        for m in LINE.finditer(text)
    ]
