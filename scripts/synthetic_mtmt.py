"""MTMT's claim on synthetic data with known effects (datasets/synthetic_mtmt.py): many arms and tasks
sharing structure, and the negative controls where they share none.

Each cell (arms K, rows per arm, gamma, structure, seed) splits 60/20/20 into train, validation (early
stopping and best epoch) and test; every method runs with its default parameters (untuned, same for all
cells). On the test rows it records PEHE per arm and task, the Qini (scikit-uplift normalisation) per arm
and task on control plus that arm, and for MTMT the Pearson correlation of its base effect with the true
common effect per task. Rows are appended to results/synthetic-mtmt/rows.csv cell by cell, so an
interrupted run loses nothing and resumes where it stopped; `--report` writes summary.md and the figures.

    python scripts/synthetic_mtmt.py [--arms 2 4 8 16] [--rows 1000 4000] [--gammas 0.1 0.3 1]
        [--seeds 0 1 2] [--structures low-rank/shared independent/shared low-rank/orthogonal]
        [--max-epochs 30] [--methods ...]
    python scripts/synthetic_mtmt.py --report
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "results" / "synthetic-mtmt"
METHODS = {
    "slearner-net": ("slearner-net", {}),
    "tlearner-net": ("tlearner-net", {}),
    "tarnet": ("tarnet", {}),
    "flextenet": ("flextenet", {}),
    "mtmt": ("mtmt", {"stop_gradient": False}),
    "mtmt-stop-gradient": ("mtmt", {"stop_gradient": True}),
    "mtmt-no-interaction": ("mtmt", {"interaction": False}),
    "tlearner-lgbm": ("tlearner-lgbm", {}),
    "xlearner-lgbm": ("xlearner-lgbm", {}),
}


def cell_rows(data, label: str, method, seconds: float, key: dict) -> list[dict]:
    """PEHE and Qini per arm and task on the test rows, and MTMT's base-effect correlation."""
    from metrics.areas import qini_sklift
    from metrics.effects import pehe

    predicted = method.predict(data.X)
    errors = pehe(data.tau, predicted)
    rows = []
    for k, arm in enumerate(data.arm_names[1:]):
        pair = np.isin(data.treatment, (0, k + 1))
        for j, task in enumerate(data.outcome_names):
            qini = qini_sklift(predicted[pair, k, j], data.treatment[pair] > 0, data.y[pair, j])
            for metric, value in (("pehe", errors[k, j]), ("qini", qini)):
                rows.append(
                    {**key, "method": label, "arm": arm, "task": task, "metric": metric, "value": value}
                )
    if hasattr(method, "explain"):
        base = method.explain(data.X)["base"]
        common = data.meta["common_effect"]
        for j, task in enumerate(data.outcome_names):
            correlation = np.nan if common[:, j].std() == 0 else np.corrcoef(base[:, j], common[:, j])[0, 1]
            rows.append({**key, "method": label, "arm": "", "task": task, "metric": "base_correlation",
                         "value": correlation})  # fmt: skip
    for row in rows:
        row["seconds"] = seconds
    return rows


def run(args) -> None:
    from datasets import synthetic_mtmt
    from methods.core.base import ValidationSet
    from methods.core.registry import discover

    registry = discover()
    path = OUT / "rows.csv"
    done = set()
    if path.exists():
        old = pd.read_csv(path)
        done = set(zip(old["cell"], old["method"], strict=True))
    cells = list(itertools.product(args.structures, args.arms, args.rows, args.gammas, args.seeds))
    for structure, arms, rows, gamma, seed in cells:
        increments, tasks = structure.split("/")
        cell = f"{structure} K={arms} rows={rows} gamma={gamma} seed={seed}"
        key = {"cell": cell, "structure": structure, "arms": arms, "rows_per_arm": rows, "gamma": gamma,
               "seed": seed}  # fmt: skip
        data = synthetic_mtmt.generate(arms, rows, gamma, increments, tasks, seed)
        order = np.random.default_rng(1000 + seed).permutation(data.n_rows)
        n = data.n_rows
        train, valid, test = (data.subset(order[a:b]) for a, b in ((0, n * 3 // 5), (n * 3 // 5, n * 4 // 5),
                                                                    (n * 4 // 5, n)))  # fmt: skip
        for label in args.methods:
            if (cell, label) in done:
                continue
            name, params = METHODS[label]
            if registry.get(name).defaults.get("max_epochs") is not None:
                params = {**params, "max_epochs": args.max_epochs}
            start = time.perf_counter()
            method = registry.get(name)(**params).fit(
                train.X, train.treatment, train.y, seed=seed,
                valid=ValidationSet(valid.X, valid.treatment, valid.y, None),
            )  # fmt: skip
            out = cell_rows(test, label, method, time.perf_counter() - start, key)
            pd.DataFrame(out).to_csv(path, mode="a", header=not path.exists(), index=False)
            print(f"{cell} {label}: {time.perf_counter() - start:.0f}s", flush=True)


def report() -> None:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    rows = pd.read_csv(OUT / "rows.csv")
    per_cell = (
        rows[rows["metric"].isin(["pehe", "qini"])]
        .groupby(["structure", "arms", "rows_per_arm", "gamma", "seed", "method", "metric"])["value"]
        .mean()
        .unstack("metric")
        .reset_index()
    )
    keys = ["structure", "arms", "rows_per_arm", "gamma", "method"]
    table = (
        per_cell.groupby(keys)
        .agg(pehe=("pehe", "mean"), qini=("qini", "mean"), seeds=("pehe", "count"))
        .round(4)
        .reset_index()
    )
    by_task = (
        rows[rows["metric"] == "pehe"]
        .groupby([*keys, "task"])["value"]
        .mean()
        .unstack("task")
        .round(4)
        .reset_index()
    )
    base = rows[rows["metric"] == "base_correlation"].pivot_table(index=keys, columns="task", values="value")
    (OUT / "summary.md").write_text(
        "# synthetic-mtmt: results as run\n\n"
        "Written by `python scripts/synthetic_mtmt.py --report` from rows.csv. PEHE: RMSE of the effect "
        "estimates against the true effects on the test rows (outcome units: probability for the binary "
        "tasks), mean over arms and tasks; Qini: scikit-uplift normalisation on control plus each arm, mean "
        "over arms and tasks; count = seeds.\n\n## Mean over arms and tasks\n\n"
        + table.to_markdown(index=False)
        + "\n\n## PEHE per task (mean over arms and seeds)\n\n"
        + by_task.to_markdown(index=False)
        + "\n\n## MTMT: correlation of its base effect with the true common effect, per task\n\n"
        + (base.round(3).reset_index().to_markdown(index=False) if len(base) else "(none)")
        + "\n"
    )
    main = per_cell[per_cell["structure"] == "low-rank/shared"]
    gamma = 0.3 if (main["gamma"] == 0.3).any() else main["gamma"].iloc[0]
    main = main[main["gamma"] == gamma]
    grid = sns.relplot(data=main, x="arms", y="pehe", hue="method", col="rows_per_arm", kind="line",
                       marker="o", errorbar=None, height=3.2, aspect=1.1)  # fmt: skip
    grid.set(xscale="log", xticks=sorted(main["arms"].unique()), ylabel="PEHE (mean over arms and tasks)")
    for ax in grid.axes.flat:
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    grid.figure.suptitle(f"PEHE against arms, low-rank shared increments, gamma {gamma}", y=1.03)
    grid.savefig(OUT / "pehe-by-arms.png", dpi=120, bbox_inches="tight")
    plt.close(grid.figure)
    if len(base):
        long = base.stack().rename("correlation").reset_index()
        fig, ax = plt.subplots(figsize=(6, 3.2))
        sns.barplot(data=long, x="structure", y="correlation", hue="task", errorbar=None, ax=ax)
        ax.set(title="MTMT base effect vs true common effect (Pearson, test rows)", xlabel="")
        fig.savefig(OUT / "base-correlation.png", dpi=120, bbox_inches="tight")
        plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--gammas", type=float, nargs="+", default=[0.1, 0.3, 1.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--structures", nargs="+", default=["low-rank/shared"])
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.report:
        report()
    else:
        run(args)


if __name__ == "__main__":
    main()
