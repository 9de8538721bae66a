"""`report`: regenerate paper/ (tables and figures) from finished runs."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from benchmarks.errors import UsageError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("report", help="regenerate the tables and figures in paper/ from results")
    parser.add_argument(
        "--runs",
        nargs="+",
        help="run folders holding results.parquet (glob patterns allowed; default: results/* runs/*)",
    )
    parser.add_argument("--out", default="paper", help="output folder (default: paper)")
    parser.set_defaults(handler=run_report)


def run_report(args) -> int:
    from benchmarks.report import DEFAULT_RUN_DIRS, build  # matplotlib: loaded for `report` only

    try:
        written = build(args.runs or list(DEFAULT_RUN_DIRS), Path(args.out))
    except (OSError, pa.ArrowException) as error:  # a damaged or unreadable run file
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(
            f"cannot read a run file: {first_line} (run the folder's `run` command again: it recomputes "
            "damaged cells and rewrites results.parquet)"
        ) from None
    for path in written:
        print(path)
    return 0
