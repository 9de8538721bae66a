"""Add the cells of a run folder to a committed results folder whose per-cell files are not committed
(results/<suite>/ keeps results.parquet, curves.parquet, summary.md and run.log, not cells/), so that a
method added to a suite later gets its rows beside the committed ones without recomputing them.

    python -m benchmarks run --suite hillstrom-quick --methods difference-in-means --out runs/hq-dim
    python scripts/join_runs.py runs/hq-dim results/hillstrom-quick

The run's rows replace the committed rows of the same cells (suite, dataset, method, seed) and are added
beside the others; curve points likewise, where the results folder keeps curves.parquet; summary.md is
written again from every row (as `run` writes it); the run's run.log is appended to the committed one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import suites  # noqa: E402
from benchmarks.store import write_atomically  # noqa: E402
from benchmarks.summary import headline_table  # noqa: E402

CELL = ["suite", "dataset", "method", "seed"]


def joined(committed: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """`committed` without the cells `added` holds, then `added`."""
    if committed.empty:
        return added.reset_index(drop=True)
    keys = set(map(tuple, added[CELL].drop_duplicates().itertuples(index=False)))
    kept = committed[[key not in keys for key in committed[CELL].itertuples(index=False, name=None)]]
    return pd.concat([kept, added], ignore_index=True)


def join(run: Path, results: Path) -> pd.DataFrame:
    """Join `run`'s results (and curve points) into `results`; returns every row."""
    added = pd.read_parquet(run / "results.parquet")
    rows = joined(pd.read_parquet(results / "results.parquet"), added)
    write_atomically(rows, results / "results.parquet")
    if (results / "curves.parquet").is_file() and (run / "curves.parquet").is_file():
        curves = joined(pd.read_parquet(results / "curves.parquet"), pd.read_parquet(run / "curves.parquet"))
        write_atomically(curves, results / "curves.parquet", compression="zstd")
    names = rows["suite"].unique()
    described = [suites.load(name) for name in names]
    markdown = headline_table(rows, {s.name: s.kind for s in described}).to_markdown(index=False)
    suite = described[0]
    (results / "summary.md").write_text(f"# {suite.name}\n\n{suite.description}\n\n{markdown}\n")
    with open(results / "run.log", "a") as log:
        log.write((run / "run.log").read_text())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the run folder whose cells are added")
    parser.add_argument("results", type=Path, help="the committed results folder, results/<suite>")
    args = parser.parse_args()
    for folder in (args.run, args.results):
        if not (folder / "results.parquet").is_file():
            raise SystemExit(f"{folder} has no results.parquet")
    rows = join(args.run, args.results)
    cells = rows[CELL].drop_duplicates()
    print(f"{args.results}: {len(cells)} cells, {len(rows)} rows")


if __name__ == "__main__":
    main()
