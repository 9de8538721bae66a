"""`report`: regenerate paper/ (tables, figures and HTML pages) from finished runs."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.report import DEFAULT_RUN_DIRS, NothingToReport, build


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="regenerate the tables, figures and HTML report in paper/ from results"
    )
    parser.add_argument(
        "--runs",
        nargs="+",
        default=list(DEFAULT_RUN_DIRS),
        help="run folders holding results.parquet or finished cells (glob patterns allowed; "
        "default: results/* runs/*)",
    )
    parser.add_argument("--out", default="paper", help="output folder (default: paper)")
    parser.set_defaults(handler=run_report)


def run_report(args) -> int:
    try:
        written = build(args.runs, Path(args.out))
    except NothingToReport as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0
