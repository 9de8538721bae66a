"""Benchmark: what keeping the best trial's model saves a tuned cell (benchmarks/tuning.py).

For each row named, one seed's cell is computed twice in this process (data loaded and split first, one
thread): once as a run computes it, the final model being the best trial's, then again on the same Optuna
storage, where the study is finished, so the cell tunes nothing and fits the best parameters again (the
path before the change, less its trials). Without the change the cell would have cost the first
computation plus that refit's fit. The two computations' predictions are compared. Writes
docs/perf/tuning.md.

    python scripts/bench_best_trial.py [--suite mtmt-hillstrom] [--methods tarnet,tlearner-lgbm] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cell import load_data, registry, run_cell, split_rows  # noqa: E402
from benchmarks.perf import machine, write_page  # noqa: E402
from benchmarks.plan import cells_of, resolve_suite  # noqa: E402
from benchmarks.seeds import derive_seed  # noqa: E402


def timed(cell, data_dir, storage):
    """The cell's result and the CPU seconds it took."""
    start = time.process_time()
    result = run_cell(cell, data_dir, storage)
    return result, time.process_time() - start


def measure(cell, data_dir: str | None) -> dict:
    """One row's figures: the tuned cell with the best trial's model, and the refit it no longer does."""
    load_data(cell.data_key, data_dir)
    split_rows(cell.data_key, data_dir, tuple(cell.split), derive_seed("split", cell.dataset, cell.seed))
    with tempfile.TemporaryDirectory() as folder:
        storage = f"sqlite:///{folder}/optuna.db"
        kept, kept_cpu = timed(cell, data_dir, storage)
        refit, refit_cpu = timed(cell, data_dir, storage)
    for result in (kept, refit):
        if set(result.rows["status"]) != {"ok"}:
            raise SystemExit(f"{cell.key}: {result.details.strip().splitlines()[-1]}")
    first, second = kept.rows.iloc[0], refit.rows.iloc[0]
    if not (first["fit_reused"] and not second["fit_reused"]):
        raise SystemExit(f"{cell.key}: the first computation did not keep the best trial's model")
    same = kept.predictions.equals(refit.predictions)
    saved = second["fit_seconds"]
    print(f"{cell.key}: {kept_cpu:.1f} s CPU kept, refit {saved:.1f} s, same predictions {same}", flush=True)
    return {
        "row": cell.method,
        "trials": int(first["tune_trials"]),
        "training rows": int(first["n_train"]),
        "tuned cell, best trial's model (CPU s)": kept_cpu,
        "the refit it skips (s)": saved,
        "cell with the refit (s)": kept_cpu + saved,
        "saved": f"{saved / (kept_cpu + saved):.0%}",
        "same predictions": same,
        "refit path, no trials (CPU s)": refit_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="mtmt-hillstrom")
    parser.add_argument("--methods", default="tarnet,tlearner-lgbm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    labels = args.methods.split(",")
    suite = resolve_suite(args.suite)
    cells = cells_of(suite, registry(), methods=labels, seeds=[args.seed])
    rows = [measure(cell, args.data_dir) for cell in cells if cell.tune and cell.trials > 0]
    write_page(
        "tuning",
        "Tuned cells: the best trial's model as the final one",
        f"Measured by `python scripts/bench_best_trial.py --suite {args.suite} --methods {args.methods} "
        f"--seed {args.seed}` on {machine()}, one thread per cell: each row's cell of seed {args.seed} "
        "computed as a run computes it (its final model the best Optuna trial's, fitted in this process), "
        "then again on the same storage, where the finished study makes the cell fit the best parameters "
        "again. CPU seconds of the process (data load and split excluded). Before the change a tuned cell "
        "cost its trials plus that refit; the predictions of the two computations are compared.",
        pd.DataFrame(rows),
        "Target: one fit fewer per tuned cell, the same predictions.",
    )


if __name__ == "__main__":
    main()
