"""Figures of paper/: ablation bars, Qini curves and cost curves, as PNG and PDF."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from benchmarks.report.tables import estimate  # noqa: E402

CELL_COLUMNS = ["suite", "dataset", "method", "seed", "status"]
# (suite, metric, variant) drawn as ablation bars: the headline (for AUCC the HCL code's evaluator), and the
# bounded frontier AUCC as an extra
ABLATIONS = [
    ("mtmt-ablation", "qini", "sklift"),
    ("hcl-ablation", "aucc", "hcl-code"),
    ("hcl-ablation", "aucc", "bounded"),
]


def fresh_style() -> None:
    """Undo global style changes (importing causalml sets its own) and apply one seaborn theme."""
    matplotlib.rcParams.update(matplotlib.rcParamsDefault)
    matplotlib.use("Agg")
    sns.set_theme(context="paper", style="whitegrid")


def palette(n: int) -> list:
    """n distinct colours for n methods: seaborn's default up to 10, tab20 up to 20, then husl."""
    return sns.color_palette("deep" if n <= 10 else "tab20" if n <= 20 else "husl", n)


def save(fig: plt.Figure, out: Path, stem: str) -> list[Path]:
    """Write the figure as PNG and PDF and close it; the PDF without its creation date, so that the same
    results give the same bytes."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.png", out / f"{stem}.pdf"]
    for path in paths:
        metadata = {"CreationDate": None} if path.suffix == ".pdf" else None
        fig.savefig(path, dpi=150, bbox_inches="tight", metadata=metadata)
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


def prediction_files(folders: list[Path], seed: int = 0) -> pd.DataFrame:
    """(suite, dataset, method, kind, path) of every stored predictions file of the given seed."""
    found = []
    for run in folders:
        folder = run / "predictions"
        for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
            cell = pd.read_parquet(run / "cells" / path.name, columns=CELL_COLUMNS).iloc[0]
            if cell["seed"] == seed and cell["status"] == "ok":
                found.append({**cell.to_dict(), "path": path})
    return pd.DataFrame(found, columns=[*CELL_COLUMNS, "path"])


def area(function, *args) -> float | None:
    """A curve's area as the tables compute it (scoring's metric functions), None where undefined."""
    from metrics._checks import UndefinedMetric

    try:
        return float(function(*args))
    except UndefinedMetric:
        return None


def labelled(curves: pd.DataFrame, name: str, values: dict[str, float]) -> pd.DataFrame:
    """The curves with each method named with its value ("drm (AUCC 0.612)"), best first."""
    order = sorted(curves["method"].unique(), key=lambda m: -(values.get(m) or float("-inf")))
    names = {m: f"{m} ({name} {values[m]:.3f})" if values.get(m) is not None else m for m in order}
    method = pd.Categorical(curves["method"].map(names), categories=[names[m] for m in order])
    return curves.assign(method=method)


def curve_figure(curves: pd.DataFrame, x: str, y: str, title: str, out: Path, stem: str, legend):
    """One line per method, named in the legend with its value, `legend` = (metric name, value per
    method), and, dashed, what a random ranking gives in expectation: the straight line from the origin to
    the curves' common end point. The points are also written as CSV beside it."""
    fresh_style()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    lines = labelled(curves, *legend)
    sns.lineplot(
        data=lines, x=x, y=y, hue="method", palette=palette(lines["method"].nunique()), ax=ax,
        estimator=None, sort=False,
    )  # fmt: skip
    end = curves[y].iloc[-1]
    ax.plot([0, 1], [0, end], color="grey", linestyle="--", linewidth=1, label="expected of a random ranking")
    ax.set(title=title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the curves, over none
    out.mkdir(parents=True, exist_ok=True)
    curves.to_csv(out / f"{stem}.csv", index=False, float_format="%.6g")
    return [*save(fig, out, stem), out / f"{stem}.csv"]


def cost_curves(cells: pd.DataFrame, out: Path) -> list[Path]:
    """Cost curves (incremental cost vs value, both / their end points) of seed 0, per cost suite and
    dataset, in the headline variant (the HCL code's) and the bounded frontier (an extra); each method's AUCC
    in its legend entry."""
    from benchmarks.scoring import cost_curve_points
    from metrics.aucc import aucc

    written = []
    for (suite, dataset), group in cells.groupby(["suite", "dataset"]):
        predictions = [(cell.method, pd.read_parquet(cell.path)) for cell in group.itertuples()]
        predictions = [(method, p) for method, p in predictions if "cost:0" in p]
        for variant in ("hcl-code", "bounded"):
            frames, areas = [], {}
            for method, p in predictions:
                value = p[next(c for c in p.columns if c.startswith("y:"))]
                ranked = (p["rank_score"], p["treatment"] > 0, value, p["cost:0"])
                x, y = cost_curve_points(*ranked, variant)
                frames.append(pd.DataFrame({"method": method, "incremental cost": x, "incremental value": y}))
                areas[method] = area(aucc, *ranked, variant)
            if frames:
                title = f"{suite}: {dataset}, cost curves ({variant}), seed 0"
                curves = pd.concat(frames, ignore_index=True)
                written += curve_figure(
                    curves, "incremental cost", "incremental value", title, out,
                    f"{suite}-{dataset}-cost-curves-{variant}", ("AUCC", areas),
                )  # fmt: skip
    return written


def qini_curves(cells: pd.DataFrame, out: Path) -> list[Path]:
    """Qini curves of seed 0 for the first arm and outcome, per dataset without cost; each method's Qini
    coefficient (sklift, as in the tables) for that arm and outcome in its legend entry."""
    from benchmarks.scoring import qini_curve_points
    from metrics.areas import qini_sklift

    written = []
    for (suite, dataset), group in cells.groupby(["suite", "dataset"]):
        frames, areas, label = [], {}, ""
        for cell in group.itertuples():
            p = pd.read_parquet(cell.path)
            effects = [c for c in p.columns if c.startswith("effect:")]
            if not effects or "cost:0" in p:
                continue
            _, arm_name, outcome = effects[0].split(":", 2)
            arm = p[p["treatment"].isin([0, 1])]  # control and the first arm
            ranked = (arm[effects[0]], arm["treatment"], arm[f"y:{outcome}"])
            x, y = qini_curve_points(*ranked)
            frames.append(
                pd.DataFrame({"method": cell.method, "share targeted": x, "incremental responders": y})
            )
            areas[cell.method] = area(qini_sklift, *ranked)
            label = f"{arm_name} vs control, {outcome}"
        if frames:
            curves = pd.concat(frames, ignore_index=True)
            title = f"{suite}: {dataset}, Qini curves ({label}), seed 0"
            written += curve_figure(
                curves, "share targeted", "incremental responders", title, out,
                f"{suite}-{dataset}-qini", ("Qini", areas),
            )  # fmt: skip
    return written


def mtmt_components(cells: pd.DataFrame, out: Path) -> list[Path]:
    """MTMT's base vs incremental effects (distribution over test rows) and mean attention per feature."""
    written = []
    for cell in cells[cells["method"] == "mtmt"].itertuples():
        p = pd.read_parquet(cell.path)
        base = [c for c in p.columns if c.startswith("base:")]
        if not base:
            continue
        parts = [c for c in p.columns if c.startswith(("base:", "incremental:"))]
        long = p[parts].melt(var_name="component", value_name="effect")
        fresh_style()
        fig, ax = plt.subplots(figsize=(6, 0.4 * len(parts) + 1.2))
        sns.boxplot(data=long, y="component", x="effect", showfliers=False, ax=ax)
        ax.set(title=f"MTMT base vs incremental effects, {cell.dataset} test rows, seed 0", ylabel="")
        written += save(fig, out, f"{cell.suite}-{cell.dataset}-mtmt-effects")
        attention = [c for c in p.columns if c.startswith("attention:")]
        if attention:
            means = p[attention].mean().rename("weight").reset_index()
            means[["arm", "feature"]] = means["index"].str.split(":", expand=True).iloc[:, 1:3]
            fresh_style()
            fig, ax = plt.subplots(figsize=(6, 0.3 * means["feature"].nunique() + 1.2))
            sns.barplot(data=means, y="feature", x="weight", hue="arm", ax=ax)
            sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1))  # the bars fill the axes
            ax.set(title=f"MTMT attention of each arm over features, {cell.dataset}, seed 0", ylabel="")
            written += save(fig, out, f"{cell.suite}-{cell.dataset}-mtmt-attention")
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


def build_all(results: pd.DataFrame, folders: list[Path], out: Path) -> list[Path]:
    """Every figure the results allow (curves need the runs' predictions folders)."""
    cells = prediction_files(folders)
    written = ablation_bars(results, out)
    written += fit_times(results, out)
    written += cost_curves(cells, out)
    written += qini_curves(cells, out)
    written += mtmt_components(cells, out)
    return written
