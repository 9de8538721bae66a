"""Benchmark: how long Ctrl-C takes to stop `run --suite smoke --jobs 2` (seconds from the signal to the
process's exit), and what it leaves behind.

Each repetition starts the run in a fresh folder, in its own process group, and after a delay drawn from
a seeded generator sends SIGINT to the whole group, as a terminal's Ctrl-C does. The table gives, per
repetition, the delay, the cells finished by then, the exit status, the seconds from the signal to the
exit (and to run.log's "stopped by" line, logged once the run's processes are gone: the rest is the
interpreter's own shutdown), and the processes of the run still alive 3 s after it. Writes
docs/perf/stop.md.

    python scripts/bench_stop.py [--repeats 5] [--seed 24] [--earliest 15] [--latest 90]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def logged(log: Path, sent_at: datetime) -> float:
    """Seconds from the signal to run.log's "stopped by" line, written once every process of the run has
    ended; the rest of the time to exit is the interpreter's own shutdown. NaN for a stop before the cells
    started (nothing to end, nothing logged)."""
    lines = [line for line in log.read_text().splitlines() if " stopped by " in line] if log.is_file() else []
    if not lines:
        return float("nan")
    return (datetime.strptime(lines[0][:23], "%Y-%m-%d %H:%M:%S,%f") - sent_at).total_seconds()


def stop_once(out: Path, after: float) -> dict:
    """Start the smoke run into `out`, send SIGINT to its process group after `after` seconds."""
    command = [sys.executable, "-m", "benchmarks", "run", "--suite", "smoke", "--jobs", "2"]
    command += ["--out", str(out)]
    run = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + after
    while time.monotonic() < deadline and run.poll() is None:
        seen.update((p.pid, p) for p in psutil.Process(run.pid).children(recursive=True))
        time.sleep(0.1)
    sent, sent_at = time.monotonic(), datetime.now()
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=300)
    seconds = time.monotonic() - sent
    time.sleep(3)
    return {
        "signal after (s)": round(after, 1),
        "cells finished": len(list((out / "cells").glob("*.parquet"))),
        "processes started": len(seen),
        "exit status": run.returncode,
        "signal to stop logged (s)": logged(out / "run.log", sent_at),
        "signal to exit (s)": seconds,
        "processes left after 3 s": sum(map(alive, seen.values())),
        "last line": stderr.strip().splitlines()[-1][:40] + "…",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--earliest", type=float, default=15.0, help="earliest signal, seconds after start")
    parser.add_argument("--latest", type=float, default=90.0, help="latest signal, seconds after start")
    args = parser.parse_args()
    draw = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            rows.append(stop_once(Path(folder) / str(repeat), draw.uniform(args.earliest, args.latest)))
    table = pd.DataFrame(rows)
    load = os.getloadavg()[0]
    method = (
        f"Measured by `python scripts/bench_stop.py --repeats {args.repeats} --seed {args.seed} --earliest "
        f"{args.earliest:g} --latest {args.latest:g}` on {machine()} (load average {load:.1f} at the end: "
        "other jobs shared the cores). Each row is one `python -m benchmarks run --suite smoke --jobs 2` "
        "in a fresh folder, sent SIGINT to its process group (as Ctrl-C in a terminal) after a delay drawn "
        f"with seed {args.seed}."
    )
    latency = table["signal to exit (s)"]
    target = (
        f"Signal to exit: median {latency.median():.2f} s, at most {latency.max():.2f} s over "
        f"{len(table)} stops. Target: at most 10 s, with exit status 130, one line saying how to resume, "
        "and no process of the run left."
    )
    write_page("stop", "Run control: stop latency of Ctrl-C", method, table, target)


if __name__ == "__main__":
    main()
