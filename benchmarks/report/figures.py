"""Figures of paper/, as PNG and PDF: ablation bars and fit times from the result rows; Qini curves and cost
curves (mean over seeds with a band, every arm) and MTMT's components from the curve points the runs stored
(curves.parquet)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from scipy import stats  # noqa: E402

from benchmarks.report.tables import estimate  # noqa: E402

# (suite, metric, variant) drawn as ablation bars: the headline (for AUCC the HCL code's evaluator), and the
# bounded frontier AUCC as an extra
ABLATIONS = [
    ("mtmt-ablation", "qini", "sklift"),
    ("hcl-ablation", "aucc", "hcl-code"),
    ("hcl-ablation", "aucc", "bounded"),
]


def fresh_style(context: str = "paper") -> None:
    """Undo global style changes (importing causalml sets its own) and apply one seaborn theme."""
    matplotlib.rcParams.update(matplotlib.rcParamsDefault)
    matplotlib.use("Agg")
    sns.set_theme(context=context, style="whitegrid")


def palette(n: int) -> list:
    """n distinct colours for n methods: seaborn's default up to 10, tab20 up to 20, then husl."""
    return sns.color_palette("deep" if n <= 10 else "tab20" if n <= 20 else "husl", n)


def save(fig: plt.Figure, out: Path, stem: str, tight: bool = True) -> list[Path]:
    """Write the figure as PNG and PDF and close it; the PDF without its creation date, so that the same
    results give the same bytes. `tight` crops to what was drawn (one more draw per file); a figure with a
    constrained layout needs no cropping."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.png", out / f"{stem}.pdf"]
    for path in paths:
        metadata = {"CreationDate": None} if path.suffix == ".pdf" else None
        fig.savefig(path, dpi=150, bbox_inches="tight" if tight else None, metadata=metadata)
        fig.set_layout_engine("none")  # laid out by the first file: the second keeps that layout
    plt.close(fig)
    return paths


def t_interval(values) -> tuple[float, float]:
    """The tables' 95% t-interval over seeds (no spread with one seed), as seaborn's error bar."""
    e = estimate(values)
    return (e.mean, e.mean) if e.low is None else (e.low, e.high)


def ablation_bars(results: pd.DataFrame, out: Path) -> list[Path]:
    """Per ablation suite, dataset and metric variant: the value of each model setting, mean and 95%
    t-interval over seeds (the tables' interval; deterministic, unlike a bootstrap)."""
    written = []
    for suite, metric, variant in ABLATIONS:
        rows = results[
            (results["suite"] == suite)
            & (results["metric"] == metric)
            & (results["variant"] == variant)
            & (results["split"] == "test")
            & (results["status"] == "ok")
        ]
        if "mean" in set(rows["arm"]):
            rows = rows[rows["arm"] == "mean"]
        for dataset, frame in rows.groupby("dataset"):
            per_seed = frame.groupby(["method", "seed", "outcome"], as_index=False)["value"].mean()
            fresh_style()
            fig, ax = plt.subplots(figsize=(6, 0.45 * per_seed["method"].nunique() + 1.2))
            outcomes = per_seed["outcome"].unique()
            sns.barplot(
                data=per_seed, y="method", x="value", hue="outcome", errorbar=t_interval, ax=ax,
                legend=len(outcomes) > 1,
            )  # fmt: skip
            if len(outcomes) > 1:  # beside the bars, where no error bar runs under it
                sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1))
            ax.set(
                xlabel=f"{metric} ({variant}) on test, mean and 95% t-interval over seeds",
                ylabel="",
                title=f"{suite}: {dataset}" + ("" if len(outcomes) > 1 else f", outcome {outcomes[0]}"),
            )
            written += save(fig, out, f"{suite}-{dataset}-{metric}-{variant}")
    return written


def figure_groups(points: pd.DataFrame):
    """(suite, dataset, own curves, reference curves beside them) per figure. A suite with curves from a
    user's run (not in results/) is drawn from those, with beside them the reference runs' curves of the
    same dataset and test size (so the same test rows): the reference suite of the same name, else the
    one with the most methods. A suite only in reference runs is drawn as it is."""
    reference = points[points["reference"]]
    users = points[~points["reference"]]
    for (suite, dataset), own in users.groupby(["suite", "dataset"]):
        same_rows = reference[(reference["dataset"] == dataset) & reference["n_test"].isin(own["n_test"])]
        suites = same_rows.groupby("suite")["method"].nunique()
        chosen = suite if suite in suites else suites.sort_index().idxmax() if len(suites) else None
        yield suite, dataset, own, same_rows[same_rows["suite"] == chosen]
    drawn = set(users.groupby(["suite", "dataset"]).groups)
    for (suite, dataset), own in reference.groupby(["suite", "dataset"]):
        if (suite, dataset) not in drawn:
            yield suite, dataset, own, reference.iloc[:0]


CURVE = ["method", "arm", "outcome"]


def mean_curves(points: pd.DataFrame) -> pd.DataFrame:
    """Per method, arm and outcome, the curve averaged over seeds point by point (the k-th stored point of
    every seed: the same share targeted), with the 95% t-interval of y over seeds (none with one seed)."""
    points = points.assign(point=points.groupby([*CURVE, "seed"]).cumcount())
    grouped = points.groupby([*CURVE, "point"], sort=False)
    mean = grouped.agg(x=("x", "mean"), y=("y", "mean"), sd=("y", "std"), seeds=("y", "size")).reset_index()
    half = stats.t.ppf(0.975, (mean["seeds"] - 1).clip(lower=1)) * mean["sd"] / np.sqrt(mean["seeds"])
    half = half.where(mean["seeds"] > 1)
    return mean.assign(low=mean["y"] - half, high=mean["y"] + half).drop(columns="sd")


def headline_values(points: pd.DataFrame) -> pd.Series:
    """Per method, the legend's value: on the first outcome, the curves' metric averaged over arms, then
    over seeds (the leaderboards' headline)."""
    first = points[points["outcome"] == points["outcome"].iloc[0]]
    per_curve = first.drop_duplicates([*CURVE, "seed"])
    return per_curve.groupby(["method", "seed"])["value"].mean().groupby("method").mean()


def entry(method: str, value: float, reference: bool, metric: str) -> str:
    """A legend entry: "drm (AUCC 0.612)", "drm (reference, AUCC 0.598)"."""
    parts = (["reference"] if reference else []) + ([f"{metric} {value:.3f}"] if pd.notna(value) else [])
    return f"{method} ({', '.join(parts)})" if parts else method


def curve_figure(own: pd.DataFrame, beside: pd.DataFrame, labels, title, out: Path, stem: str):
    """Small multiples, one panel per arm (columns) and outcome (rows): per method the mean curve over
    seeds with its 95% band, the legend naming each method with its headline value (`labels` = x label,
    y label, metric name), best first; the reference runs' curves beside them dashed (no band), in the
    colour of the same method; and, dotted, what a random ranking gives in expectation: the straight line
    from the origin to the curves' common end point. The mean curves are also written as CSV beside it."""
    xlabel, ylabel, metric = labels
    mine, theirs = mean_curves(own), mean_curves(beside)
    panels = own[["outcome", "arm"]].drop_duplicates()  # the first outcome (the headline's) first
    panels = panels.assign(
        order=pd.Categorical(panels["outcome"], categories=panels["outcome"].unique())
    ).sort_values(["order", "arm"])[["outcome", "arm"]]
    columns = min(panels["arm"].nunique(), 4)
    rows = -(-len(panels) // columns)
    fresh_style(context="notebook")
    width, height = (6.4, 4.8) if len(panels) == 1 else (4.6, 3.8)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(width * columns + 3.4, height * rows + 0.8),
        squeeze=False,
        sharex=True,
        layout="constrained",
    )
    methods = list(dict.fromkeys([*own["method"], *beside["method"]]))
    colour = dict(zip(methods, palette(len(methods)), strict=True))
    own_values = headline_values(own)
    beside_values = headline_values(beside) if len(beside) else pd.Series(dtype=float)
    handles = {}
    for ax, (outcome, arm) in zip(axes.flat, panels.itertuples(index=False), strict=False):
        for curves, values, reference in ((mine, own_values, False), (theirs, beside_values, True)):
            for method in sorted(values.index, key=lambda m: -np.nan_to_num(values[m], nan=-np.inf)):
                curve = curves[
                    (curves["method"] == method) & (curves["arm"] == arm) & (curves["outcome"] == outcome)
                ]
                style = (
                    dict(linestyle="--", linewidth=1.3) if reference else dict(linestyle="-", linewidth=1.8)
                )
                label = entry(method, values[method], reference, metric)
                (line,) = ax.plot(curve["x"], curve["y"], color=colour[method], label=label, **style)
                if not reference:  # the reference curves beside: lines only, to keep the panels readable
                    band = (curve["x"], curve["low"], curve["high"])
                    ax.fill_between(*band, color=colour[method], alpha=0.1, lw=0)
                handles.setdefault(label, line)
        end = mine[(mine["arm"] == arm) & (mine["outcome"] == outcome)].sort_values("x")["y"].iloc[-1]
        (chance,) = ax.plot([0, 1], [0, end], color="grey", linestyle=":", linewidth=1.2)
        handles["expected of a random ranking"] = chance
        ax.set(title=f"{arm} vs control, {outcome}" if len(panels) > 1 else "", xlabel=xlabel, ylabel=ylabel)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    seeds = own["seed"].nunique()
    outcome = own["outcome"].iloc[0]
    arms = ", mean over arms" if own["arm"].nunique() > 1 else ""
    band = f"mean over {seeds} seed{'s' * (seeds > 1)} with 95% band"
    fig.suptitle(f"{title}\n{band}; legend: {metric} on {outcome}{arms}, mean over seeds")
    fig.legend(handles.values(), handles.keys(), loc="outside right center", fontsize=10)
    table = pd.concat([mine.assign(reference=False), theirs.assign(reference=True)], ignore_index=True)
    table = table[["method", "reference", "arm", "outcome", "x", "y", "low", "high", "seeds"]]
    out.mkdir(parents=True, exist_ok=True)
    table.rename(columns={"x": xlabel, "y": ylabel}).to_csv(
        out / f"{stem}.csv", index=False, float_format="%.6g"
    )
    return [*save(fig, out, stem, tight=False), out / f"{stem}.csv"]  # laid out: no second draw


def cost_curves(curves: pd.DataFrame, out: Path) -> list[Path]:
    """Cost curves (incremental cost vs value, both / their end points) per suite and dataset with cost,
    mean over seeds, in the headline variant (the HCL code's) and the bounded frontier (an extra); each
    method's AUCC in its legend entry."""
    written = []
    labels = ("incremental cost", "incremental value", "AUCC")
    for suite, dataset, own, beside in figure_groups(curves[curves["curve"] == "cost"]):
        for variant, points in own.groupby("variant"):
            title = f"{suite}: {dataset}, cost curves ({variant})"
            stem = f"{suite}-{dataset}-cost-curves-{variant}"
            written += curve_figure(points, beside[beside["variant"] == variant], labels, title, out, stem)
    return written


def qini_curves(curves: pd.DataFrame, out: Path) -> list[Path]:
    """Qini curves per suite and dataset without cost, every arm and outcome, mean over seeds; each
    method's Qini coefficient (as in the tables: sklift, or sklift-centred for a continuous outcome) in its
    legend entry."""
    written = []
    labels = ("share targeted", "incremental responders", "Qini")
    for suite, dataset, own, beside in figure_groups(curves[curves["curve"] == "qini"]):
        title = f"{suite}: {dataset}, Qini curves"
        written += curve_figure(own, beside, labels, title, out, f"{suite}-{dataset}-qini")
    return written


def mtmt_components(curves: pd.DataFrame, out: Path) -> list[Path]:
    """MTMT's base vs incremental effects over the test rows as box plots drawn from their stored
    percentiles (box and median exact, whiskers at the outermost percentile within 1.5 IQR) and mean
    attention per feature, seed 0."""
    written = []
    mtmt = curves[(curves["method"] == "mtmt") & (curves["seed"] == 0)]
    for (suite, dataset), parts in mtmt.groupby(["suite", "dataset"]):
        effects = parts[parts["curve"] == "effects"].rename(columns={"label": "component", "y": "effect"})
        if effects.empty:
            continue
        fresh_style()
        fig, ax = plt.subplots(figsize=(6, 0.4 * effects["component"].nunique() + 1.2))
        sns.boxplot(data=effects, y="component", x="effect", showfliers=False, ax=ax)
        ax.set(title=f"MTMT base vs incremental effects, {dataset} test rows, seed 0", ylabel="")
        written += save(fig, out, f"{suite}-{dataset}-mtmt-effects")
        means = parts[parts["curve"] == "attention"].rename(columns={"label": "feature", "y": "weight"})
        if not means.empty:
            fresh_style()
            fig, ax = plt.subplots(figsize=(6, 0.3 * means["feature"].nunique() + 1.2))
            sns.barplot(data=means, y="feature", x="weight", hue="arm", ax=ax)
            sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1))  # the bars fill the axes
            ax.set(title=f"MTMT attention of each arm over features, {dataset}, seed 0", ylabel="")
            written += save(fig, out, f"{suite}-{dataset}-mtmt-attention")
    return written


def fit_times(results: pd.DataFrame, out: Path) -> list[Path]:
    """Fit seconds against training rows, one line per method run at two or more sizes (median over seeds
    and suites at each size), log axes. The random ranking fits nothing and is left out."""
    cells = results[(results["status"] == "ok") & (results["method"] != "random")]
    cells = cells.drop_duplicates(["suite", "dataset", "method", "seed"]).dropna(subset=["fit_seconds"])
    points = cells.groupby(["method", "n_train"], as_index=False)["fit_seconds"].median()
    points = points[points.groupby("method")["n_train"].transform("nunique") >= 2]
    if points.empty:
        return []
    fresh_style()
    fig, ax = plt.subplots(figsize=(7.5, 5))
    sns.lineplot(
        data=points, x="n_train", y="fit_seconds", hue="method", style="method",
        markers=True, dashes=False, palette=palette(points["method"].nunique()), ax=ax,
    )  # fmt: skip
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="training rows",
        ylabel="fit seconds (final fit, without tuning)",
        title="Fit time against training rows\n"
        "(median over seeds; datasets' features and suites' settings differ)",
    )
    ax.legend(title="method", fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return save(fig, out, "fit-seconds")


def build_all(results: pd.DataFrame, curves: pd.DataFrame, out: Path) -> list[Path]:
    """Every figure the results and the stored curve points allow (curves: the runs' curves.parquet, with
    `reference` marking the reference runs')."""
    written = ablation_bars(results, out)
    written += fit_times(results, out)
    if not curves.empty:
        written += cost_curves(curves, out)
        written += qini_curves(curves, out)
        written += mtmt_components(curves, out)
    return written
