"""MTMT's claim on known effects: the tables and figures of a synthetic-mtmt run.

The harness computes the cells (resumable; each cell one dataset of the suite, one method, one seed):

    python -m benchmarks run --suite synthetic-mtmt --out results/synthetic-mtmt --seeds 3 [--datasets ...]

This script reads that run folder and writes
- results/synthetic-mtmt/claim.md: per dataset and method, PEHE (mean over arms and tasks) and Qini
  (scikit-uplift, mean over arms, binary tasks) as mean and 95% t-interval over seeds; PEHE per task;
  MTMT's base-effect correlation;
- results/synthetic-mtmt/base-correlation.csv: per MTMT cell and task, the Pearson correlation of the
  model's base effect ("treat or not" head) with the true common effect on the test rows, from the run's
  predictions (which are not committed; rows already in the file are kept);
- paper/figures/synthetic-mtmt-pehe.png (PEHE against arms K, one panel per increment size γ and rows per
  arm, one line per method), synthetic-mtmt-structure.png (K = 8: gamma and the negative controls) and
  synthetic-mtmt-base-correlation.png.

    python scripts/synthetic_mtmt.py [--out results/synthetic-mtmt]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report.synthetic_claim import (  # noqa: E402
    BASE_EFFECT_METHODS,
    DESIGN,
    METHOD_ORDER,
    SUITE,
    designs,
    figures,
    per_seed,
)

FIGURES = ROOT / "paper" / "figures"
FLOOR = "difference-in-means"  # covariate-free: a method that does not beat it learned no heterogeneity


def interval(values: pd.Series) -> str:
    from benchmarks.report.tables import estimate

    values = values.dropna()
    if values.empty:
        return "-"
    e = estimate(values.to_numpy())
    return f"{e.mean:.4f}" if e.low is None else f"{e.mean:.4f} ± {(e.high - e.low) / 2:.4f}"


def summary(seeds: pd.DataFrame) -> pd.DataFrame:
    """Per design and method: mean ± half-width of the 95% t-interval over seeds, and the seed count."""
    columns = ["pehe", "qini", *sorted(c for c in seeds.columns if c.startswith("pehe:"))]
    table = seeds.groupby([*DESIGN, "method"]).agg(
        **{c: (c, interval) for c in columns}, seeds=("seed", "nunique")
    )
    return table.reset_index().sort_values(DESIGN + ["method"], key=_method_key)


def _method_key(column: pd.Series) -> pd.Series:
    if column.name != "method":
        return column
    return column.map(lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER))


def paired(seeds: pd.DataFrame, reference: str = "mtmt") -> pd.DataFrame:
    """Per design: the reference method's PEHE minus each other method's, paired by seed (same data,
    split and model seed), as mean ± half-width of the 95% t-interval (negative: the reference is better)."""
    wide = seeds.pivot_table(index=[*DESIGN, "seed"], columns="method", values="pehe")
    if reference not in wide:
        return pd.DataFrame()
    others = [m for m in METHOD_ORDER if m in wide and m != reference]
    differences = wide[others].rsub(wide[reference], axis=0).dropna(how="all")
    return differences.groupby(level=DESIGN).agg(interval).reset_index()


def against_floor(seeds: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per design and method: PEHE minus the difference-in-means floor's, paired by seed, with the verdict
    "beats" (95% t-interval below 0), "worse" (above 0) or "level"; and per method the count of designs
    of each verdict. Two empty frames when the floor was not run."""
    from benchmarks.report.tables import estimate

    wide = seeds.pivot_table(index=[*DESIGN, "seed"], columns="method", values="pehe")
    if FLOOR not in wide:
        return pd.DataFrame(), pd.DataFrame()
    records = []
    for method in [m for m in METHOD_ORDER if m in wide and m != FLOOR]:
        differences = (wide[method] - wide[FLOOR]).dropna()
        for design, values in differences.groupby(level=DESIGN):
            e = estimate(values.to_numpy())
            clear = e.low is not None and not e.low <= 0 <= e.high
            verdict = ("beats" if e.high < 0 else "worse") if clear else "level"
            mark = f" ({verdict})" if clear else ""
            records.append(
                {**dict(zip(DESIGN, design, strict=True)), "method": method, "verdict": verdict,
                 "difference": interval(values) + mark}
            )  # fmt: skip
    table = pd.DataFrame.from_records(records)
    order = [m for m in METHOD_ORDER if m in set(table["method"])]
    cells = table.pivot_table(index=DESIGN, columns="method", values="difference", aggfunc="first")
    counts = table.groupby("method")["verdict"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(order).reindex(columns=["beats", "level", "worse"], fill_value=0)
    return cells[order].reset_index(), counts.reset_index()


def base_correlation(predictions: pd.DataFrame, common_effect: np.ndarray, outcomes) -> dict[str, float]:
    """Pearson correlation, per task, of the predicted base effect (columns base:<task>) with the true
    common effect of the same rows (column `row` indexes the dataset); NaN where either is constant."""
    truth = common_effect[predictions["row"].to_numpy()]
    correlations = {}
    for j, outcome in enumerate(outcomes):
        base = predictions[f"base:{outcome}"].to_numpy(dtype=float)
        constant = truth[:, j].std() == 0 or base.std() == 0
        correlations[outcome] = np.nan if constant else float(np.corrcoef(base, truth[:, j])[0, 1])
    return correlations


def base_correlations(out: Path, design: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """base-correlation.csv, extended with every MTMT cell whose predictions are in the run folder."""
    import datasets
    from benchmarks.store import ResultsStore

    path = out / "base-correlation.csv"
    known = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["dataset", "method", "seed"])
    seen = set(zip(known["dataset"], known["method"], known["seed"], strict=True))
    store = ResultsStore(out)
    cells = results[(results["status"] == "ok") & results["method"].isin(BASE_EFFECT_METHODS)]
    cells = cells.drop_duplicates(["dataset", "method", "seed"])
    options = design.set_index("dataset")["options"]
    records = []
    for dataset, group in cells[cells["dataset"].isin(options.index)].groupby("dataset"):
        todo = [r for r in group.itertuples() if (r.dataset, r.method, r.seed) not in seen]
        todo = [r for r in todo if store.prediction_file(_key(r)).exists()]
        if not todo:
            continue
        data = datasets.load("synthetic_mtmt", **options[dataset])
        for r in todo:
            predictions = pd.read_parquet(store.prediction_file(_key(r)))
            correlation = base_correlation(predictions, data.meta["common_effect"], data.outcome_names)
            records += [
                {"dataset": dataset, "method": r.method, "seed": r.seed, "task": task, "correlation": value}
                for task, value in correlation.items()
            ]
    table = pd.concat([known, pd.DataFrame.from_records(records)], ignore_index=True) if records else known
    if records:
        table.sort_values(["dataset", "method", "seed", "task"]).to_csv(path, index=False)
    return table


def _key(row) -> str:
    from benchmarks.plan import Cell

    return Cell(SUITE, row.dataset, "", {}, 0, row.method, "", {}, False, int(row.seed), 0, (0, 0, 0), "").key


def write_claim(out: Path, seeds: pd.DataFrame, correlations: pd.DataFrame, design: pd.DataFrame) -> None:
    """claim.md: the summary tables."""
    table = summary(seeds)
    main = table.drop(columns=[c for c in table.columns if c.startswith("pehe:")])
    tasks = table[[*DESIGN, "method", *[c for c in table.columns if c.startswith("pehe:")], "seeds"]]
    text = (
        "# synthetic-mtmt: MTMT's claim on known effects\n\n"
        "Written by `python scripts/synthetic_mtmt.py` from this run folder (harness cells, untuned, "
        "split 60/20/20 stratified, early stop on validation; data generated by `datasets/synthetic_mtmt.py` "
        "with seed 7 for every cell, split and model seeds from the harness per seed). PEHE: RMSE of the "
        "effect estimates against the true effects on the test rows (probability units for the binary "
        "tasks), mean over arms and the three tasks; Qini: scikit-uplift normalisation on control plus each "
        "arm, mean over arms, then over the two binary tasks. Mean ± half-width of the 95% t-interval over "
        "seeds.\n\n## PEHE and Qini\n\n" + main.to_markdown(index=False) + "\n\n## PEHE per task\n\n"
    )
    text += tasks.to_markdown(index=False) + "\n"
    differences = paired(seeds)
    if len(differences):
        text += (
            "\n## MTMT's PEHE minus each method's, paired by seed\n\nNegative: MTMT recovers the effects "
            "better. Mean ± half-width of the 95% t-interval of the per-seed differences.\n\n"
            + differences.to_markdown(index=False)
            + "\n"
        )
    verdicts, counts = against_floor(seeds)
    if len(verdicts):
        text += (
            "\n## Against the difference-in-means floor\n\nEach method's PEHE minus the floor's (per arm "
            "and task the treated-minus-control mean of the training rows, the same effect for every row), "
            "paired by seed: mean ± half-width of the 95% t-interval; (beats): the interval is below 0, "
            "(worse): above 0. A method that does not beat the floor learned no heterogeneity there.\n\n"
            + counts.to_markdown(index=False)
            + "\n\n"
            + verdicts.to_markdown(index=False)
            + "\n"
        )
    authors = paired(seeds, reference="mtmt-authors")
    if len(authors):
        text += (
            "\n## The authors' network's PEHE minus each method's, paired by seed\n\nNegative: the "
            "authors' network (`mtmt-authors`) recovers the effects better. Designs where it ran.\n\n"
            + authors.to_markdown(index=False)
            + "\n"
        )
    if len(correlations):
        merged = correlations.merge(design.drop(columns="options"), on="dataset")
        wide = merged.groupby([*DESIGN, "method", "task"])["correlation"].agg(interval).unstack("task")
        text += (
            "\n## MTMT: correlation of its base effect with the true common effect (test rows)\n\n"
            + wide.reset_index().to_markdown(index=False)
            + "\n"
        )
    (out / "claim.md").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "results" / SUITE), help="the harness's run folder")
    args = parser.parse_args()
    from benchmarks import suites
    from benchmarks.store import ResultsStore

    out = Path(args.out)
    store = ResultsStore(out)
    if store.cells.is_dir():
        results = store.merge()  # also refreshes results.parquet
    elif (out / "results.parquet").is_file():  # a committed folder: its cell files are not committed
        results = pd.read_parquet(out / "results.parquet")
    else:
        results = pd.DataFrame()
    if results.empty:
        raise SystemExit(f"{out} holds no cells: run `python -m benchmarks run --suite {SUITE} --out {out}`")
    design = designs(suites.load(SUITE))
    seeds = per_seed(results, design)
    correlations = base_correlations(out, design, results)
    write_claim(out, seeds, correlations, design)
    for path in figures(seeds, correlations, design, FIGURES):
        print(path)


if __name__ == "__main__":
    main()
