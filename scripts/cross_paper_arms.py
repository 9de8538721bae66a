"""Why a method reaches what it reaches under a budget on cross-paper's 4-arm trial: how often it offers a
row the arm that is truly best for that row, and what its ranking reaches once the arm is fixed.

The harness computes the cells; their test predictions (not committed) hold each arm's score
(arm_rank:<arm>):

    python -m benchmarks run --suite cross-paper --datasets synthetic-4arms-cost --out runs/cp-arms

This script regenerates the trial (its options from the suite), takes the true value and cost effects of
the test rows, and writes results/cross-paper/arm-choice.md: per method, mean over seeds with the 95%
interval, of
- `best arm`: the share of test rows offered their truly best arm (highest relu(τv)/(relu(τc)+1e-5));
- `own policy`: budget_value true-20% (as the result rows);
- `true arm, own order`: the same budget with every row offered its truly best arm, in the order of the
  method's score for that arm (what its ranking is worth once the arm choice is right);
- the oracle (true arms, true order) as the last row.

    python scripts/cross_paper_arms.py RUN_FOLDER [--out results/cross-paper/arm-choice.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import suites  # noqa: E402
from benchmarks.report.tables import estimate  # noqa: E402
from datasets import synthetic_mtmt  # noqa: E402
from methods.core.base import ratio_score  # noqa: E402
from metrics import budget  # noqa: E402

SUITE, DATASET, SHARE = "cross-paper", "synthetic-4arms-cost", 0.2


def truth() -> tuple[np.ndarray, np.ndarray]:
    """The trial's true value (first task) and cost effects (n, K), from the suite's options."""
    entry = next(d for d in suites.load(SUITE).datasets if d.label == DATASET)
    data = synthetic_mtmt.generate(**entry.options)
    return data.tau[:, :, 0].astype(np.float64), data.meta["tau_cost"].astype(np.float64)


def at_share(order, choice, tau_value, tau_cost) -> float:
    """budget_value (true) at SHARE of the reference cost."""
    (v, v_ref), (c, c_ref) = budget.true_gains(choice, tau_value), budget.true_gains(choice, tau_cost)
    return float(budget.value_at_budget(order, v, c, v_ref, c_ref, (SHARE,))[0])


def cell_measures(predictions: pd.DataFrame, tau_value, tau_cost) -> dict[str, float]:
    rows = predictions["row"].to_numpy()
    value, cost = tau_value[rows], tau_cost[rows]
    ranks = predictions[[c for c in predictions.columns if c.startswith("arm_rank:")]].to_numpy(float)
    best = ratio_score(value, cost, "relu").argmax(axis=1) + 1
    order, choice = budget.policy(ranks)
    priority = ranks[np.arange(len(rows)), best - 1]
    true_arm_order, _ = budget.policy(priority[:, None])
    return {
        "best arm": float(np.mean(choice == best)),
        "own policy": at_share(order, choice, value, cost),
        "true arm, own order": at_share(true_arm_order, best, value, cost),
    }


def oracle(predictions: pd.DataFrame, tau_value, tau_cost) -> dict[str, float]:
    rows = predictions["row"].to_numpy()
    value, cost = tau_value[rows], tau_cost[rows]
    order, choice = budget.policy(ratio_score(value, cost, "relu"))
    found = at_share(order, choice, value, cost)
    return {"best arm": 1.0, "own policy": found, "true arm, own order": found}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / SUITE / "arm-choice.md")
    args = parser.parse_args(argv)
    tau_value, tau_cost = truth()
    found: dict[str, list[dict[str, float]]] = {}
    oracle_by_seed: dict[str, dict[str, float]] = {}
    for path in sorted((args.run / "predictions").glob(f"{SUITE}__{DATASET}__*__seed*.parquet")):
        _, _, method, seed = path.stem.split("__")
        predictions = pd.read_parquet(path)
        if not any(c.startswith("arm_rank:") for c in predictions.columns):
            continue
        found.setdefault(method, []).append(cell_measures(predictions, tau_value, tau_cost))
        oracle_by_seed.setdefault(seed, oracle(predictions, tau_value, tau_cost))
    if not found:
        print(f"no predictions with arm_rank columns under {args.run}/predictions", file=sys.stderr)
        return 2
    found["oracle (true arm, true order)"] = list(oracle_by_seed.values())
    table = pd.DataFrame(
        {
            method: {k: str(estimate(np.array([r[k] for r in rows]))) for k in rows[0]}
            for method, rows in found.items()
        }
    ).T
    args.out.write_text(
        f"# {SUITE}: {DATASET}, arm choice and ranking under a budget of {SHARE:.0%} of the cost\n\n"
        f"Written by `python scripts/cross_paper_arms.py` (see its docstring) from the test predictions of "
        f"{args.run}; mean ± 95% interval over seeds.\n\n{table.to_markdown()}\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
