"""Benchmark: fit and predict seconds of every registered method on synthetic rows (default 100k).

Each method gets data it can serve: two arms and two outcomes where it can, one arm and one outcome with
cost for the ranking methods (DRM, CRM); 60% train, 20% validation (early stopping), 20% predicted.
Writes docs/perf/methods.md.

    python scripts/bench_methods.py [--rows 100000] [--methods a,b]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402
from datasets import synthetic  # noqa: E402
from methods.core.base import ValidationSet  # noqa: E402
from methods.core.registry import discover  # noqa: E402


def data_for(cls, rows: int):
    caps = cls.capabilities
    return synthetic.generate(
        n_rows=rows, n_arms=2 if caps.multi_arm else 1, n_outcomes=2 if caps.multi_outcome else 1,
        n_features=12, with_cost=caps.needs_cost, seed=1,
    )  # fmt: skip


def measure(cls, rows: int) -> dict:
    data = data_for(cls, rows)
    a, b = int(rows * 0.6), int(rows * 0.8)
    cost = data.cost
    train, valid = data.subset(np.arange(a)), data.subset(np.arange(a, b))
    method = cls()
    start = time.perf_counter()
    method.fit(
        train.X, train.treatment, train.y, cost=train.cost, seed=0,
        valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost),
    )  # fmt: skip
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    method.rank(data.X[b:], value=0, cost=None if cost is None else 0)
    predict_seconds = time.perf_counter() - start
    return {
        "method": cls.name,
        "arms x outcomes": f"{data.n_arms} x {data.n_outcomes}" + (" + cost" if cost is not None else ""),
        "train rows": a,
        "fit (s)": fit_seconds,
        "predict (s)": predict_seconds,
        "predicted rows/s": (rows - b) / predict_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--methods", help="comma-separated names (default: every registered method)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    registry = discover()
    names = args.methods.split(",") if args.methods else sorted(registry.methods)
    rows = []
    for name in names:
        rows.append(measure(registry.get(name), args.rows))
        print(rows[-1], flush=True)
    write_page(
        "methods",
        "Methods: fit and predict time",
        f"Measured by `python scripts/bench_methods.py --rows {args.rows}` on {machine()}; each method with "
        "its default parameters (no tuning), seed 0, synthetic data (seed 1, 12 features). Fit includes "
        "early stopping on the validation rows where the method uses them; predict is the targeting score "
        "of the 20% held-out rows.",
        pd.DataFrame(rows),
        "No speed target is set for this table.",
    )


if __name__ == "__main__":
    main()
