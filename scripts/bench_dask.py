"""Benchmark: the wall time and CPU seconds of a suite run serially (`--jobs 1`) and on a Dask
LocalCluster (`--dask local --jobs 2`), each on a fresh run folder, and whether the two give the same
results.

Writes the section "## Serial vs Dask" of docs/perf/scale.md (other sections of that page are left as
they are).

    OMP_NUM_THREADS=1 python scripts/bench_dask.py [--suite smoke] [--methods a,b] [--workers 2]

(OMP_NUM_THREADS=1 gives the serial run the one thread per process the workers have on a 2-core machine;
without it the serial run uses the libraries' default threads.)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import PERF_DIR, machine  # noqa: E402

HEADING = "## Serial vs Dask"
VOLATILE = ["timestamp", "fit_seconds", "predict_seconds"]
KEYS = ["dataset", "method", "seed", "arm", "outcome", "metric", "variant"]


def timed_run(args: list[str], out: Path) -> dict:
    """Wall seconds of one `run` on a fresh folder, the CPU seconds of its processes (the command and the
    workers it started and reaped), and the load average before and after."""
    before = os.getloadavg()[0]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    if result.returncode != 0:
        raise SystemExit(f"run {' '.join(args)} failed ({result.returncode}): {result.stderr[-2000:]}")
    cells = len(list((out / "cells").glob("*.parquet")))
    after = os.getloadavg()[0]
    return {
        "wall (s)": seconds,
        "CPU (s)": cpu_seconds,
        "cells": cells,
        "load before": before,
        "load after": after,
    }


def stable(out: Path) -> pd.DataFrame:
    results = pd.read_parquet(out / "results.parquet").drop(columns=VOLATILE)
    return results.sort_values(KEYS, na_position="first").reset_index(drop=True)


def same_results(one: Path, other: Path) -> bool:
    """Every result row and every stored prediction equal, value for value."""
    try:
        pd.testing.assert_frame_equal(stable(one), stable(other))
        for path in sorted((one / "predictions").glob("*.parquet")):
            pd.testing.assert_frame_equal(
                pd.read_parquet(path), pd.read_parquet(other / "predictions" / path.name)
            )
    except (AssertionError, FileNotFoundError):
        return False
    return True


def write_section(path: Path, text: str) -> None:
    """Replace the page's HEADING section (up to the next "## " heading) with `text`, or append it."""
    page = path.read_text() if path.exists() else "# Scale\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    page = pattern.sub(lambda _: text, page) if pattern.search(page) else f"{page.rstrip()}\n\n{text}"
    path.write_text(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="smoke")
    parser.add_argument("--methods", help="comma-separated methods to keep (default: the whole suite)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = ["--suite", args.suite] + (["--methods", args.methods] if args.methods else [])
    dask = ["--dask", "local", "--jobs", str(args.workers)]
    with tempfile.TemporaryDirectory() as tmp:
        serial = timed_run([*base, "--jobs", "1"], Path(tmp) / "serial")
        cluster = timed_run([*base, *dask], Path(tmp) / "dask")
        equal = same_results(Path(tmp) / "serial", Path(tmp) / "dask")
    table = pd.DataFrame(
        [
            {"run": "serial, `--jobs 1`", **serial},
            {"run": f"Dask LocalCluster, `--dask local --jobs {args.workers}`", **cluster},
        ]
    )
    speedup = serial["wall (s)"] / cluster["wall (s)"]
    bound = serial["CPU (s)"] / (cluster["CPU (s)"] / args.workers)
    threads = os.environ.get("OMP_NUM_THREADS")
    prefix = f"OMP_NUM_THREADS={threads} " if threads else ""
    command = " ".join([f"{prefix}python scripts/bench_dask.py", *base, "--workers", str(args.workers)])
    serial_threads = (
        f"{threads} thread(s), from OMP_NUM_THREADS" if threads else "the libraries' default threads"
    )
    text = (
        f"{HEADING}\n\n"
        f"Measured by `{command}` on {machine()}: the suite's cells run by one `python -m benchmarks run` "
        f"process ({serial_threads}) on a fresh run folder, then by a {args.workers}-worker Dask "
        f"LocalCluster (worker processes of one Dask thread, BLAS/OpenMP/torch threads = cores / workers, "
        f"started and stopped by the command: their start-up is in the time) on another fresh folder. "
        f"Wall time from starting the command to its end (summary written). The load average (1 min) "
        f"before and after each run says how much other work shared the cores.\n\n"
        f"{table.to_markdown(index=False, floatfmt='.3g')}\n\n"
        f"Speed-up, serial / Dask wall time: {speedup:.2f}x. On {args.workers} otherwise idle cores the "
        f"wall time would be at best the Dask run's CPU seconds shared by its workers: an upper bound on "
        f"the speed-up of {bound:.2f}x (serial CPU / (Dask CPU / {args.workers})). CPU seconds depend less "
        f"on the other load than wall times, but the Dask run's include the scheduler's and the workers' "
        f"periodic work, which grows with the wall time. Results (every result row and stored "
        f"prediction, timings and timestamps aside) {'equal' if equal else 'DIFFER from'} the serial "
        f"run's, value for value.\n"
    )
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    write_section(PERF_DIR / "scale.md", text)
    print(text)


if __name__ == "__main__":
    main()
