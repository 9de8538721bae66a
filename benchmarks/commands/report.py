"""`report`: the tables, figures and HTML pages of finished runs: paper/ from every reference run, runs/report
from any other view."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.errors import UsageError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="the tables, figures and HTML report of finished runs (paper/ from results/*)"
    )
    parser.add_argument(
        "--runs",
        nargs="+",
        help="run folders holding results.parquet or finished cells (glob patterns allowed; "
        "default: results/* runs/*)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="output folder (default: paper for exactly the committed reference runs results/*, "
        "runs/report for any other view; paper/ is refused for another view)",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="beside a run of yours, leave out the committed reference runs (added by default)",
    )
    parser.set_defaults(handler=run_report)


def run_report(args) -> int:
    import pyarrow as pa

    from benchmarks.report import DEFAULT_RUN_DIRS, NothingToReport, build  # matplotlib: `report` only

    try:
        written = build(args.runs or list(DEFAULT_RUN_DIRS), args.out, reference=not args.no_reference)
    except NothingToReport as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (OSError, pa.ArrowException) as error:  # a damaged or unreadable run file
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(
            f"cannot read a run file: {first_line} (run the folder's `run` command again: it recomputes "
            "damaged cells and rewrites results.parquet)"
        ) from None
    for path in written:
        print(path)
    return 0
