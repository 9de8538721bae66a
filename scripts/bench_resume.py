"""Benchmark: resume overhead, the time from starting `run` to the start of the first new cell on a run
folder that holds 1,000 finished cells, against the same command on an empty folder.

Writes docs/perf/harness.md. The finished cells are one real cell of the `random` method on small
synthetic data, stored again under the keys of seeds 1..999 (their seed column set to match), so the
folder has the files, footers and sizes of a real run.

    python scripts/bench_resume.py [--cells 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402
from benchmarks.store import ResultsStore  # noqa: E402

SUITE = """
description = "resume overhead benchmark"
seeds = 1

[[datasets]]
name = "synthetic"
label = "small"
options = { n_rows = 2000, n_arms = 1, n_outcomes = 1, n_features = 6, seed = 1 }

[[methods]]
name = "random"
"""


def key(seed: int) -> str:
    return f"resume__small__random__seed{seed}"


def command(suite: Path, out: Path, seeds: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "benchmarks",
        "run",
        "--suite",
        str(suite),
        "--out",
        str(out),
        "--seeds",
        str(seeds),
    ]


def finished_folder(suite: Path, out: Path, cells: int) -> None:
    """A run folder with `cells` finished cells (seeds 0..cells-1)."""
    subprocess.run(command(suite, out, 1), cwd=ROOT, check=True, capture_output=True)
    store = ResultsStore(out)
    rows = pd.read_parquet(store.cells / f"{key(0)}.parquet")
    predictions = pd.read_parquet(store.prediction_file(key(0)))
    curves = pd.read_parquet(store.curve_file(key(0)))
    for seed in range(1, cells):
        store.save(key(seed), rows.assign(seed=seed), predictions, curves.assign(seed=seed))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (Linux /proc), NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_first_new_cell(suite: Path, out: Path, seeds: int) -> tuple[float, float, float]:
    """Seconds from starting `run` to the log line that starts the cell of seed `seeds - 1`, the CPU
    seconds the process used until then (robust to other load on the machine), and the seconds to the end
    of the run."""
    log = out / "run.log"
    offset = log.stat().st_size if log.exists() else 0
    marker = f"start {key(seeds - 1)}"
    start = time.perf_counter()
    process = subprocess.Popen(
        command(suite, out, seeds), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    first = cpu = None
    while first is None and process.poll() is None:
        if log.exists() and marker in log.read_text()[offset:]:
            first, cpu = time.perf_counter() - start, cpu_seconds(process.pid)
        else:
            time.sleep(0.005)
    _, err = process.communicate()
    total = time.perf_counter() - start
    if process.returncode != 0 or first is None:
        raise SystemExit(f"run failed ({process.returncode}): {err.decode()[-2000:]}")
    return first, cpu, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    measured = {"empty folder": [], f"{args.cells:,} finished cells": []}
    with tempfile.TemporaryDirectory() as tmp:
        suite = Path(tmp) / "resume.toml"
        suite.write_text(SUITE)
        for repeat in range(args.repeats):
            measured["empty folder"].append(time_to_first_new_cell(suite, Path(tmp) / f"empty{repeat}", 1))
        folder = Path(tmp) / "full"
        finished_folder(suite, folder, args.cells)
        for _ in range(args.repeats):
            measured[f"{args.cells:,} finished cells"].append(
                time_to_first_new_cell(suite, folder, args.cells + 1)
            )
            ResultsStore(folder).forget({key(args.cells)})  # the new cell is new again next time
    table = pd.DataFrame(
        [
            {
                "run folder": name,
                "to first new cell (s, median)": statistics.median(t[0] for t in times),
                "CPU to first new cell (s, median)": statistics.median(t[1] for t in times),
                "whole run (s, median)": statistics.median(t[2] for t in times),
                "repeats": len(times),
            }
            for name, times in measured.items()
        ]
    )
    overhead = table.iloc[1, 1] - table.iloc[0, 1]
    cpu_overhead = table.iloc[1, 2] - table.iloc[0, 2]
    load = os.getloadavg()[0]
    write_page(
        "harness",
        "Harness: resume overhead",
        f"Measured by `python scripts/bench_resume.py --cells {args.cells} --repeats {args.repeats}` on "
        f"{machine()} (load average {load:.1f} at the end: other jobs shared the cores, so wall-clock "
        "figures are inflated; CPU seconds are the process's own). Each figure is the median over fresh "
        "`python -m benchmarks run` processes: the time from starting the command to the run.log line "
        "that starts the one cell not yet computed (so it includes Python's and the libraries' import "
        "time), and to the end of the run (which merges every cell into results.parquet and writes "
        "summary.md). The finished cells are a real cell of the `random` method on 2,000 synthetic "
        "rows, stored under the keys of the other seeds.",
        table,
        f"Resume overhead (first new cell, {args.cells:,} finished cells minus empty folder): "
        f"{overhead:.2f} s wall-clock, {cpu_overhead:.2f} s CPU. Target: time from start to "
        "the first new cell on a folder with 1,000 finished cells under 2 s.",
    )


if __name__ == "__main__":
    main()
