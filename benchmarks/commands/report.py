"""`report`: regenerate paper/ (tables and figures) from finished runs."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import DEFAULT_RUN_DIRS, build


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("report", help="regenerate the tables and figures in paper/ from results")
    parser.add_argument(
        "--runs",
        nargs="+",
        default=list(DEFAULT_RUN_DIRS),
        help="run folders holding results.parquet (glob patterns allowed; default: results/* runs/*)",
    )
    parser.add_argument("--out", default="paper", help="output folder (default: paper)")
    parser.set_defaults(handler=run_report)


def run_report(args) -> int:
    for path in build(args.runs, Path(args.out)):
        print(path)
    return 0
