"""Time `python -m benchmarks report` on the committed reference runs (results/*), and the claims scorecard
alone; writes docs/perf/report.md. With --before COMMIT, that commit's code (unpacked by `git archive`)
runs `report` on the same results, alternated with this checkout's."""

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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402

RUNS = str(ROOT / "results" / "*")


def timed_report(checkout: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one `report` run of a checkout into a temporary folder."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [sys.executable, "-m", "benchmarks", "report", "--runs", RUNS, "--out", out]
        subprocess.run(command, cwd=checkout, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def scorecard_seconds(repeats: int) -> float:
    """Median seconds of evaluating every claim on the loaded reference runs (loading not counted)."""
    from benchmarks.report import find_results, load_results
    from benchmarks.report.claims import evaluate

    results = load_results(find_results([RUNS]))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        evaluate(results)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", help="a commit whose code to time on the same results")
    args = parser.parse_args()
    unpacked = tempfile.TemporaryDirectory()
    if args.before:
        archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", unpacked.name], input=archive.stdout, check=True)
    checkouts = {
        "this checkout": ROOT,
        **({f"before ({args.before})": Path(unpacked.name)} if args.before else {}),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeats):
        for name, checkout in checkouts.items():
            times[name].append(timed_report(checkout))
            loads.append(os.getloadavg()[0])
    table = pd.DataFrame(
        [
            {
                "checkout": name,
                "runs": len(runs),
                "median wall (s)": statistics.median(w for w, _ in runs),
                "max wall (s)": max(w for w, _ in runs),
                "median CPU (s)": statistics.median(c for _, c in runs),
            }
            for name, runs in times.items()
        ]
    )
    before = (
        f" `before` is commit {args.before}, timed alternately with this checkout." if args.before else ""
    )
    method = (
        f"Measured by `python scripts/bench_report.py --repeats {args.repeats}"
        f"{f' --before {args.before}' if args.before else ''}` on {machine()}: `python -m benchmarks report "
        "--runs 'results/*'` into a temporary folder, a fresh process each run (every table, figure, HTML "
        f"page and the claims scorecard).{before} Load average (1 min) during the runs: {min(loads):.1f} to "
        f"{max(loads):.1f}. The claims scorecard alone (every claim of benchmarks/report/claims.toml "
        f"evaluated on the loaded runs): {scorecard_seconds(args.repeats):.2f} s, median of {args.repeats}."
    )
    write_page("report", "`report` on the reference runs", method, table, "Target: under a minute.")
    unpacked.cleanup()


if __name__ == "__main__":
    main()
