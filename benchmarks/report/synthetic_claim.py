"""MTMT's claim on known effects (suite synthetic-mtmt): its three figures, drawn by `report` from a run's
results.parquet and the base-correlation.csv beside it, and the per-seed table that scripts/synthetic_mtmt.py
also writes claim.md from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SUITE = "synthetic-mtmt"
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


def figures(seeds: pd.DataFrame, correlations: pd.DataFrame, design: pd.DataFrame, out: Path) -> list[Path]:
    """The claim's three figures in the folder `out`: PEHE against arms, the K = 8 structures, and MTMT's
    base-effect correlation; matplotlib's settings are restored afterwards."""
    import matplotlib.pyplot as plt

    with plt.rc_context():
        return _draw(seeds, correlations, design, out)


def _draw(seeds: pd.DataFrame, correlations: pd.DataFrame, design: pd.DataFrame, out: Path) -> list[Path]:
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    out.mkdir(parents=True, exist_ok=True)
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
    written.append(out / "synthetic-mtmt-pehe.png")
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
        written.append(out / "synthetic-mtmt-structure.png")
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
        written.append(out / "synthetic-mtmt-base-correlation.png")
        fig.savefig(written[-1], dpi=130, bbox_inches="tight")
        plt.close(fig)
    return written


def build(results: pd.DataFrame, folders: list[Path], out: Path) -> list[Path]:
    """The claim's figures when the results hold synthetic-mtmt cells (the base-correlation figure where a
    run folder keeps base-correlation.csv); none otherwise."""
    from benchmarks import suites

    rows = results[results["suite"] == SUITE]
    if rows.empty:
        return []
    design = designs(suites.load(SUITE))
    seeds = per_seed(rows, design)
    if seeds.empty:
        return []
    tables = [f / "base-correlation.csv" for f in folders if (f / "base-correlation.csv").is_file()]
    correlations = pd.concat([pd.read_csv(t) for t in tables]) if tables else pd.DataFrame()
    return figures(seeds, correlations, design, out)
