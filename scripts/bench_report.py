"""Benchmark: the time of `python -m benchmarks report` on every committed reference run (results/*).

Each checkout's report runs `--repeats` times in a fresh process, into a temporary folder (never paper/),
interleaved across checkouts; the table gives the median wall and CPU time. With `--before DIR` the same
command is also timed in another checkout (e.g. the commit before a change). Writes docs/perf/report.md.

    python scripts/bench_report.py [--repeats 3] [--before /tmp/checkout-of-the-commit-before]
"""

from __future__ import annotations

import argparse
import os
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

from benchmarks.perf import machine, write_page  # noqa: E402


def commit(checkout: Path) -> str:
    """The checkout's commit; for an export without .git (`git archive COMMIT`), its folder's name."""
    if not (checkout / ".git").exists():
        return f"export {checkout.name}"
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True, text=True
    )
    return git.stdout.strip()


def timed(checkout: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `report --runs results/*` in `checkout`, into a temporary folder."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "benchmarks", "report", "--runs", "results/*", "--out", out],
            cwd=checkout,
            capture_output=True,
            check=True,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to time the same command in")
    args = parser.parse_args()
    checkouts = [("this checkout", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in checkouts}
    loads = []  # the machine's 1-minute load average before each run: others share its 2 cores
    for _ in range(args.repeats):  # interleaved, so that a change in the machine's load hits both alike
        for label, checkout in checkouts:
            loads.append(os.getloadavg()[0])
            times[label].append(timed(checkout))
            print(label, times[label][-1], flush=True)
    rows = [
        {
            "checkout": f"{label} ({commit(checkout)})",
            "runs": args.repeats,
            "median wall (s)": statistics.median(wall for wall, _ in times[label]),
            "median CPU (s)": statistics.median(cpu for _, cpu in times[label]),
            "slowest wall (s)": max(wall for wall, _ in times[label]),
        }
        for label, checkout in checkouts
    ]
    folders = sorted(p.parent.name for p in (ROOT / "results").glob("*/results.parquet"))
    write_page(
        "report",
        "`report` on the reference runs",
        f"Measured by `python scripts/bench_report.py --repeats {args.repeats}"
        f"{' --before ' + str(args.before) if args.before else ''}` on {machine()}: "
        f"`python -m benchmarks report --runs 'results/*' --out TMP` over the {len(folders)} committed runs "
        f"({', '.join(folders)}), each in a fresh process, interleaved across checkouts; wall and CPU "
        "(user + system, less sensitive to other load on the machine) time; the machine's 1-minute load "
        f"average before the runs: {min(loads):.1f} to {max(loads):.1f}. The report is deterministic: "
        "no seed.",
        pd.DataFrame(rows),
        "Target: under a minute of wall time on this machine.",
    )


if __name__ == "__main__":
    main()
