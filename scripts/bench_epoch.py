"""Benchmark: one whole training epoch of a deep method over CRITEO's training-split size (or fewer rows),
through the method's own adapter (standardising, the batch rule, the Lightning Trainer the harness uses), as
mtmt-criteo.toml sets it up: batch 15,360, t_max 5, outcome visit; then one validation pass over an
eighth as many rows (CRITEO's 10% beside its 80%) and the effects of as many test rows.

The rows are CRITEO-shaped and generated here for timing only (12 float32 features, 85% treated, visit rate
4.7%): they are not CRITEO's rows. Each (method, threads) runs in a fresh process; the epoch and the
validation pass are timed by Lightning hooks on the callback that selects the best epoch. mtmt-features is
MTMT with the raw-feature attention tokens (attention_keys="features"). Writes docs/perf/epoch.md.

    python scripts/bench_epoch.py [--methods mtmt,mtmt-features,tlearner-net] [--threads 2] [--outcomes 1]
                                  [--train-rows 1000000 11183674]
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import product
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, run_snippet, write_page  # noqa: E402

TRAIN_ROWS = 11_183_674  # CRITEO's 80% training split of 13,979,592 rows
BATCH = 15_360
VARIANTS = {"mtmt-features": ("mtmt", {"attention_keys": "features"})}  # label: (method, parameters)
EPOCH = """
import json, resource, sys, time, warnings
sys.path.insert(0, {root!r})
warnings.filterwarnings("ignore")
import numpy as np
import torch
torch.set_num_threads({threads})
from methods.core import registry
from methods.core.base import ValidationSet
from methods.core.deep import training

marks, steps = {{}}, []
class TimedKeepBest(training.KeepBest):
    def on_train_batch_start(self, *args):
        marks["step_start"] = time.perf_counter()
    def on_train_batch_end(self, *args):
        steps.append(time.perf_counter() - marks["step_start"])
    def on_train_epoch_start(self, *args):
        marks["epoch_start"] = time.perf_counter()
    def on_train_epoch_end(self, *args):
        marks.setdefault("epoch_end", time.perf_counter())
    def on_validation_start(self, *args):
        marks["valid_start"] = time.perf_counter()
    def on_validation_end(self, trainer, module):
        marks["valid_end"] = time.perf_counter()
        super().on_validation_end(trainer, module)
training.KeepBest = TimedKeepBest

def rows(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 12), dtype=np.float32)
    treatment = (rng.random(n) < 0.85).astype(np.int64)
    y = (rng.random((n, {outcomes})) < 0.047).astype(np.float32)
    return X, treatment, y

X, treatment, y = rows({train}, 0)
valid = ValidationSet(*rows({valid}, 1))
method = registry.discover().get({method!r})(batch_size={batch}, t_max=5, max_epochs=1, **{params!r})
start = time.perf_counter()
method.fit(X, treatment, y, valid=valid, seed=0)
fit = time.perf_counter() - start
start = time.perf_counter()
method.predict(valid.X)
predict = time.perf_counter() - start
epoch = marks["epoch_end"] - marks["epoch_start"]
full = np.array(steps[:-1] or steps) * 1e3  # the last batch may be a partial one
print(json.dumps({{
    "step_ms": np.percentile(full, [10, 50, 90]).tolist(),
    "epoch_s": epoch, "rows/s": {train} / epoch, "validation_s": marks["valid_end"] - marks["valid_start"],
    "fit_s": fit, "predict_s": predict,
    "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
}}))
"""


def run(label: str, threads: int, outcomes: int, train_rows: int) -> dict:
    method, params = VARIANTS.get(label, (label, {}))
    code = EPOCH.format(root=str(ROOT), threads=threads, outcomes=outcomes, train=train_rows,
                        valid=train_rows // 8, method=method, params=params, batch=BATCH)  # fmt: skip
    return run_snippet(code, threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="mtmt,tlearner-net")
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    parser.add_argument("--outcomes", type=int, nargs="+", default=[1])
    parser.add_argument("--train-rows", type=int, nargs="+", default=[TRAIN_ROWS])
    args = parser.parse_args()
    loads, table = [os.getloadavg()[0]], []
    for rows in args.train_rows:
        for outcomes, threads, method in product(args.outcomes, args.threads, args.methods.split(",")):
            result = run(method, threads, outcomes, rows)
            loads.append(os.getloadavg()[0])
            table.append({
                "method": method, "training rows": rows, "outcomes": outcomes, "threads": threads,
                "epoch (min)": result["epoch_s"] / 60, "rows/s": result["rows/s"],
                "step, median (ms)": result["step_ms"][1],
                "steps, 10th-90th percentile (ms)": "{:.0f}-{:.0f}".format(*result["step_ms"][::2]),
                "validation pass (s)": result["validation_s"], "fit (s)": result["fit_s"],
                "test effects (s)": result["predict_s"], "peak memory (GiB)": result["peak_gib"],
            })  # fmt: skip
            print(table[-1], flush=True)
    write_page(
        "epoch",
        "Deep models: one CRITEO-sized training epoch",
        f"Measured by `python scripts/bench_epoch.py --methods {args.methods} --threads "
        f"{' '.join(map(str, args.threads))} --outcomes {' '.join(map(str, args.outcomes))} --train-rows "
        f"{' '.join(map(str, args.train_rows))}` on {machine()}: each method fitted through its own adapter "
        "for one epoch over generated CRITEO-shaped rows (12 features, one arm; not CRITEO's rows; "
        f"{TRAIN_ROWS:,} is CRITEO's training split), batch {BATCH:,} and t_max 5 as in mtmt-criteo.toml, "
        "with a validation pass over an eighth as many rows; then the effects of as many test rows. "
        "`epoch` is the training epoch alone, from Lightning's epoch-start to epoch-end hooks; a step is one "
        "batch's forward, backward and optimiser step, from Lightning's batch-start to batch-end hooks (all "
        "but the last, which may be partial); "
        "`fit` adds standardising, building the network and Trainer, and the validation pass. Load "
        f"average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores.",
        pd.DataFrame(table),
        "Target: one epoch over CRITEO's 11.2M training rows in under 5 minutes on 2 cores.",
    )


if __name__ == "__main__":
    main()
