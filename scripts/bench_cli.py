"""Benchmark: start-up time of `python -m benchmarks --help` and `list`, and the heavy libraries they load.

Each command runs `--repeats` times in a fresh process; the table gives the median wall and CPU time. With
`--before DIR` the same commands are also timed in another checkout (e.g. the commit before a change).
Writes docs/perf/cli.md.

    python scripts/bench_cli.py [--repeats 7] [--before ../main]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402

COMMANDS = (["--help"], ["list"])
HEAVY = ("pandas", "sklearn", "matplotlib", "torch", "scipy", "lightgbm", "causalml", "econml", "optuna")
LOADED = """
import json, sys
from benchmarks.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))))
"""


def timed(checkout: Path, args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `python -m benchmarks ARGS` in `checkout`, in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=checkout, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_modules(checkout: Path, args: list[str]) -> list[str]:
    """The heavy libraries imported once the command has run."""
    code = LOADED.format(heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another checkout to time the same commands in")
    args = parser.parse_args()
    checkouts = [("this checkout", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.repeats):  # interleaved, so that a change in the machine's load hits both alike
        for label, checkout in checkouts:
            for command in COMMANDS:
                times.setdefault((label, " ".join(command)), []).append(timed(checkout, command))
    rows = []
    for label, checkout in checkouts:
        for command in COMMANDS:
            runs = times[(label, " ".join(command))]
            rows.append(
                {
                    "checkout": label,
                    "command": "python -m benchmarks " + " ".join(command),
                    "median wall (s)": statistics.median(wall for wall, _ in runs),
                    "median CPU (s)": statistics.median(cpu for _, cpu in runs),
                    "heavy libraries loaded": ", ".join(heavy_modules(checkout, command)) or "none",
                }
            )
            print(rows[-1], flush=True)
    write_page(
        "cli",
        "Command-line start-up",
        f"Measured by `python scripts/bench_cli.py --repeats {args.repeats}"
        f"{' --before ' + str(args.before) if args.before else ''}` on {machine()}: the median wall and CPU "
        f"(user + system, less sensitive to other load on the machine) time of {args.repeats} fresh runs "
        f"per command, interleaved across checkouts, and which of {', '.join(HEAVY)} each has imported once "
        "it finished (numpy and pyarrow are allowed). Only the command being run is imported by the CLI, "
        "and the plug-ins import their libraries inside `_fit`.",
        pd.DataFrame(rows),
        "Target: `--help` and `list` import no pandas, scikit-learn, matplotlib or torch "
        "(checked by tests/test_cli_list.py).",
    )


if __name__ == "__main__":
    main()
