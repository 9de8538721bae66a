"""Benchmark: training DRM/CRM full batch on Covertype's training split, per step.

Compares, on the same RankingModel and rows, a Lightning Trainer (one full batch per epoch) with the plain
full-batch loop the adapter uses, for one initialisation and for the paper recipe's five trained as one
batched model, and reports the test AUCC (hcl-code) of the methods' default (2020 code) recipe.
Needs covtype.data.gz (--data-dir). Writes docs/perf/ranking.md.

    python scripts/bench_ranking.py --data-dir ../shared/data [--seed 0] [--rows 148454] [--steps 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datasets  # noqa: E402
from benchmarks.perf import machine, write_page  # noqa: E402
from benchmarks.seeds import derive_seed  # noqa: E402
from benchmarks.splits import split_indices  # noqa: E402
from methods.core.base import ValidationSet  # noqa: E402
from methods.core.registry import discover  # noqa: E402
from metrics.aucc import aucc  # noqa: E402

MODELS = [
    ("DRM, 1 initialisation", {"inits": 1}),
    ("DRM, 5 initialisations batched", {"inits": 5}),
    ("CRM, 5 initialisations batched", {"inits": 5, "score": "linear", "barrier": "quantile"}),
]


def per_step(train_arrays, params: dict, steps: int, loop: str) -> float:
    """Seconds per full-batch step of RankingModel(params) trained by `loop` ("trainer" or "plain")."""
    from methods.core.deep.ranking import RankingModel, train_full_batch
    from methods.core.deep.training import InMemoryData, fit

    model = RankingModel(train_arrays[0].shape[1], **params)
    start = time.perf_counter()
    if loop == "trainer":
        fit(model, InMemoryData(train_arrays), max_epochs=steps, seed=0)
    else:
        train_full_batch(model, train_arrays, None, steps=steps, validate_every=steps)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=0, help="training rows used for the per-step timing")
    parser.add_argument("--steps", type=int, default=100, help="steps timed per loop")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    data = datasets.load("covertype", data_dir=args.data_dir)
    rows = split_indices(data, (0.6, 0.2, 0.2), derive_seed("split", "covertype", args.seed))
    train, valid, test = (data.subset(r) for r in rows)
    registry = discover()
    adapter = registry.get("drm")()
    n = train.n_rows
    y, cost = train.y.reshape(n, -1), np.asarray(train.cost).reshape(n, -1)
    arrays = adapter._arrays(train.X, train.treatment, y, cost, None)
    if args.rows:
        keep = np.sort(np.random.default_rng(0).choice(len(arrays[0]), args.rows, replace=False))
        arrays = tuple(a[keep] for a in arrays)
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    timing = []
    for label, params in MODELS:
        row = {"model": label, "rows": f"{len(arrays[0]):,}", "threads": threads}
        for loop in ("trainer", "plain"):
            row[f"{loop} (ms/step)"] = 1000 * per_step(arrays, params, args.steps, loop)
        row["speed-up"] = row["trainer (ms/step)"] / row["plain (ms/step)"]
        timing.append(row)
        print(row, flush=True)
    recipe = []
    for name in ("drm", "crm"):
        method = registry.get(name)()
        model_seed = derive_seed("model", "covertype", args.seed)
        start = time.perf_counter()
        method.fit(train.X, train.treatment, train.y, cost=train.cost, seed=model_seed,
                   valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost))  # fmt: skip
        seconds = time.perf_counter() - start
        score = method.rank(test.X)
        area = aucc(score, test.treatment, test.y[:, 0], test.cost, "hcl-code")
        recipe.append({"method": name, "fit (s)": seconds, "AUCC hcl-code": area})
        print(recipe[-1], flush=True)
    recipe_table = pd.DataFrame(recipe).to_markdown(index=False, floatfmt=".3g")
    write_page(
        "ranking",
        "DRM and CRM: training cost on Covertype",
        f"Measured by `python scripts/bench_ranking.py --seed {args.seed} --rows {args.rows} --steps "
        f"{args.steps}` on {machine()} (OMP_NUM_THREADS={threads}): milliseconds per full-batch step of the "
        "same RankingModel under a Lightning Trainer (one epoch = one step) and under the plain loop the "
        "adapter uses (`train_full_batch`).",
        pd.DataFrame(timing),
        "The default (2020 code) recipe fitted in full on the split's 148,454 training rows (600 steps, 5 "
        "initialisations batched), test AUCC in the authors' evaluator (the same values as the seed's "
        f"reference run):\n\n{recipe_table}\n\n"
        "Five initialisations batched cost far less than five fits. On a shared machine set "
        "OMP_NUM_THREADS=1: torch's thread pool waiting on descheduled threads made a 2,000-row, 600-step "
        "fit take 172 s with the default threads and 36 s with one, under a load of 12 on 2 cores.",
    )


if __name__ == "__main__":
    main()
