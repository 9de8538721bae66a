"""Benchmark: how long `run --suite all --plan` takes to answer, and what it estimates for each part of
`all` (from the committed reference runs' recorded timings, benchmarks/estimate.py).

Each repeat runs the plan in a fresh process against a run folder that does not exist (nothing is
computed or created); the table gives the median wall and CPU time, then the estimate per suite of `all`.
Writes docs/perf/plan.md.

    python scripts/bench_plan.py [--repeats 5] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import suites  # noqa: E402
from benchmarks.estimate import Estimator, duration, wall_seconds  # noqa: E402
from benchmarks.perf import machine, write_page  # noqa: E402
from benchmarks.plan import cells_of  # noqa: E402
from methods.core.registry import discover  # noqa: E402


def timed(args: list[str]) -> tuple[float, float, str]:
    """(wall, CPU) seconds of one `python -m benchmarks ARGS` in a fresh process, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def parts() -> pd.DataFrame:
    """Per suite of `all`: its cells and their expected CPU time, and the wall time with 2 processes."""
    registry = discover()
    estimator = Estimator(registry)
    rows = []
    for name in suites.load("all").include:
        cells = cells_of(suites.load(name), registry)
        costs = [estimator.seconds(c) for c in cells]
        known = [c for c in costs if c is not None]
        rows.append(
            {
                "suite": name,
                "cells": len(cells),
                "CPU (estimate)": duration(sum(known)),
                "wall, --jobs 2": duration(wall_seconds(known, 2)),
                "cells without a reference timing": len(cells) - len(known),
                "committed run": "yes" if (ROOT / "results" / name / "results.parquet").is_file() else "no",
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", help="folder with the raw data files (default: the usual search)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        command = ["run", "--suite", "all", "--plan", "--out", str(Path(scratch) / "absent")]
        command += ["--data-dir", args.data_dir] if args.data_dir else []
        runs = [timed(command) for _ in range(args.repeats)]
        assert not (Path(scratch) / "absent").exists()
    summary = runs[-1][2].strip().splitlines()
    timing = pd.DataFrame(
        [
            {
                "command": "python -m benchmarks " + " ".join(command[:4]),
                "median wall (s)": statistics.median(wall for wall, _, _ in runs),
                "median CPU (s)": statistics.median(cpu for _, cpu, _ in runs),
                "cells": summary[0],
            }
        ]
    )
    table = parts()
    write_page(
        "plan",
        "Planning a run: `run --plan` on `all`",
        f"Measured by `python scripts/bench_plan.py --repeats {args.repeats}"
        f"{' --data-dir ' + args.data_dir if args.data_dir else ''}` on {machine()}: the median wall and CPU "
        f"(user + system) time of {args.repeats} fresh runs of the plan of `all` against a run folder that "
        "does not exist (the plan computes nothing and creates nothing; it reads the committed reference "
        "runs' timings and locates every raw file without downloading).\n\n"
        f"{timing.to_markdown(index=False, floatfmt='.3g')}\n\n"
        f"The plan's estimate: {summary[-1]}\n\n"
        "Each part of `all` by the same estimate (fit, predict and tuning seconds of the committed runs in "
        "results/*/results.parquet, scaled by training rows; a tuned reference cell recorded before trial "
        "timings were kept counts each trial as one fit; data load, split and scoring are not counted, and "
        "a suite without a committed run borrows the same method's timing on other data, scaled by rows):",
        table,
        "Target: the plan of `all` answers in a few seconds.",
    )


if __name__ == "__main__":
    main()
