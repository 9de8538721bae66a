"""Give a run folder stored before cells kept their curve points (benchmarks/curves.py) those points,
computed from the cells' stored test predictions exactly as a cell computes them, then gather
curves.parquet. Cells without an intact predictions file are left for the next `run` to compute.

    python scripts/backfill_curves.py runs/hcl-covertype [--suite NAME_OR_TOML] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cell import curve_points, load_data  # noqa: E402
from benchmarks.plan import cells_of, resolve_suite  # noqa: E402
from benchmarks.store import ResultsStore, exclusive, is_complete, write_atomically  # noqa: E402
from methods.core.registry import discover  # noqa: E402


def backfill(out: Path, suites: list[str], data_dir: str | None) -> tuple[int, int]:
    """(cells given curve points, ok cells left without them for want of predictions); `suites` names the
    run's suites (names or .toml paths), by default those its rows name."""
    store = ResultsStore(out)
    rows = store.rows()
    cells = {}
    for suite in suites or rows.loc[rows["status"] == "ok", "suite"].unique():
        cells.update({c.key: c for c in cells_of(resolve_suite(suite), discover())})
    done = missing = 0
    for key, status in store.stored().items():
        if status != "ok" or is_complete(store.curve_file(key)) or key not in cells:
            continue
        if not is_complete(store.prediction_file(key)):
            missing += 1
            continue
        cell = cells[key]
        data = load_data(cell.data_key, data_dir)
        predictions = pd.read_parquet(store.prediction_file(key))
        write_atomically(
            curve_points(cell, cell.method, predictions, data.arm_names, data.outcome_names),
            store.curve_file(key),
        )
        done += 1
    store.merge()
    return done, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="run folder (holding cells/ and predictions/)")
    parser.add_argument("--suite", action="append", default=[], help="suite name or .toml path (repeatable)")
    parser.add_argument("--data-dir", help="folder holding the raw data files")
    args = parser.parse_args()
    if not (args.run / "cells").is_dir():
        print(f"{args.run} holds no cells/ folder", file=sys.stderr)
        return 2
    with exclusive(args.run):
        done, missing = backfill(args.run, args.suite, args.data_dir)
    print(
        f"{args.run}: curve points for {done} cell(s); {missing} cell(s) lack predictions (run computes them)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
