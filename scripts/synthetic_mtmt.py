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

SUITE = "synthetic-mtmt"
FIGURES = ROOT / "paper" / "figures"
DESIGN = ["structure", "arms", "rows_per_arm", "gamma"]
CONTROLS = {
    "independent/shared": "control:\nindependent increments",
    "low-rank/orthogonal": "control:\northogonal tasks",
}
METHOD_ORDER = [
    "mtmt",
    "mtmt-stop-gradient",
    "mtmt-no-interaction",
    "mtmt-authors",
    "tarnet",
    "flextenet",
    "slearner-net",
    "tlearner-net",
    "tlearner-lgbm",
    "xlearner-lgbm",
    "difference-in-means",
]
FLOOR = "difference-in-means"  # covariate-free: a method that does not beat it learned no heterogeneity
BASE_EFFECT_METHODS = ("mtmt", "mtmt-stop-gradient", "mtmt-no-interaction")  # the paper's form: a base head


def designs(suite) -> pd.DataFrame:
    """One row per dataset label of the suite: its structure (increments/tasks), arms, rows per arm, gamma
    and generator options."""
    records = []
    for entry in suite.datasets:
        options = entry.options
        records.append(
            {
                "dataset": entry.label or entry.name,
                "structure": f"{options.get('increments', 'low-rank')}/{options.get('tasks', 'shared')}",
                "arms": options["n_arms"],
                "rows_per_arm": options["rows_per_arm"],
                "gamma": options["gamma"],
                "options": options,
            }
        )
    return pd.DataFrame.from_records(records)


def per_seed(results: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, method, seed): PEHE (mean over arms and tasks), PEHE per task, and Qini (sklift, the
    mean-over-arms rows, averaged over the tasks where it is defined), with the dataset's design."""
    ok = results[(results["status"] == "ok") & (results["dataset"].isin(design["dataset"]))]
    keys = ["dataset", "method", "seed"]
    errors = ok[ok["metric"] == "pehe"]
    qini = ok[(ok["metric"] == "qini") & (ok["variant"] == "sklift") & (ok["arm"] == "mean")]
    frame = pd.concat(
        [
            errors.groupby(keys)["value"].mean().rename("pehe"),
            errors.pivot_table(index=keys, columns="outcome", values="value").add_prefix("pehe:"),
            qini.groupby(keys)["value"].mean().rename("qini"),
        ],
        axis=1,
    ).reset_index()
    return frame.merge(design.drop(columns="options"), on="dataset")


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


def figures(seeds: pd.DataFrame, correlations: pd.DataFrame, design: pd.DataFrame) -> list[Path]:
    """The claim's figures in paper/figures/."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    FIGURES.mkdir(parents=True, exist_ok=True)
    order = [m for m in METHOD_ORDER if m in set(seeds["method"])]
    palette = dict(zip(order, sns.color_palette("tab10", len(order)), strict=True))
    written = []
    main = seeds[seeds["structure"] == "low-rank/shared"]
    grid = sns.relplot(
        data=main,
        x="arms",
        y="pehe",
        hue="method",
        hue_order=order,
        palette=palette,
        row="gamma",
        col="rows_per_arm",
        kind="line",
        marker="o",
        errorbar="se",
        err_style="bars",
        height=4.0,
        aspect=1.25,
        facet_kws={"sharey": "row"},
    )
    grid.set(xscale="log", ylabel="PEHE (mean over arms, tasks)", xlabel="arms K")
    grid.set_titles("γ = {row_name}, {col_name} rows per arm")
    for ax in grid.axes.flat:
        ax.set_xticks(sorted(main["arms"].unique()))
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    grid.figure.suptitle(
        "PEHE against arms: low-rank shared increments of size γ (mean over seeds, bars: standard error)",
        y=1.02,
    )
    written.append(FIGURES / "synthetic-mtmt-pehe.png")
    grid.savefig(written[-1], dpi=130, bbox_inches="tight")
    plt.close(grid.figure)

    k8 = seeds[(seeds["arms"] == 8) & (seeds["rows_per_arm"] == 1000)].copy()
    if k8["dataset"].nunique() > 1:
        k8["data"] = [
            CONTROLS.get(s, f"γ = {g:g}") for s, g in zip(k8["structure"], k8["gamma"], strict=True)
        ]
        cases = sorted(c for c in k8["data"].unique() if c.startswith("γ")) + [
            c for c in CONTROLS.values() if c in set(k8["data"])
        ]
        fig, ax = plt.subplots(figsize=(11.5, 4.2))
        sns.pointplot(
            data=k8,
            x="data",
            y="pehe",
            hue="method",
            hue_order=order,
            palette=palette,
            order=cases,
            dodge=0.6,
            linestyle="none",
            errorbar="se",
            markersize=5,
            ax=ax,
        )
        ax.set(
            xlabel="",
            ylabel="PEHE (mean over arms, tasks)",
            title="K = 8, 1,000 rows per arm: increment size γ and the negative controls",
        )
        ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8)
        written.append(FIGURES / "synthetic-mtmt-structure.png")
        fig.savefig(written[-1], dpi=130, bbox_inches="tight")
        plt.close(fig)

    if len(correlations):
        merged = correlations.merge(design.drop(columns="options"), on="dataset")
        merged = merged[merged["structure"] != "independent/shared"]  # no common effect there
        merged["data"] = [
            f"K={k}, {n:,} rows/arm, γ={g:g}" + ("" if s == "low-rank/shared" else ", orthogonal")
            for k, n, g, s in zip(
                merged["arms"], merged["rows_per_arm"], merged["gamma"], merged["structure"], strict=True
            )
        ]
        cases = merged.sort_values(DESIGN)["data"].unique()
        fig, ax = plt.subplots(figsize=(max(9.0, 0.45 * len(cases)), 4))
        sns.barplot(
            data=merged,
            x="data",
            y="correlation",
            hue="method",
            order=cases,
            errorbar="se",
            ax=ax,
            hue_order=[m for m in order if m.startswith("mtmt")],
            palette=palette,
        )
        ax.set(
            xlabel="",
            ylim=(0, 1),
            ylabel="Pearson r (bars: s.e. over tasks, seeds)",
            title="MTMT's base effect against the true common effect of any treatment (test rows)",
        )
        ax.tick_params(axis="x", rotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
        written.append(FIGURES / "synthetic-mtmt-base-correlation.png")
        fig.savefig(written[-1], dpi=130, bbox_inches="tight")
        plt.close(fig)
    return written


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
    for path in figures(seeds, correlations, design):
        print(path)


if __name__ == "__main__":
    main()
