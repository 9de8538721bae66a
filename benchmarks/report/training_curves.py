"""The deep methods' training curves: per suite and dataset, the training and validation loss of each
epoch, mean over seeds, from the per-epoch logs `run --logger csv` keeps in OUT/training/<cell>/."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from benchmarks.plan import cell_key
from benchmarks.report.figures import fresh_style, palette, save

IDENTITY = ["suite", "dataset", "method", "seed"]


def epoch_losses(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (cell, epoch) with train_loss and val_loss, for the deep cells of `results` (rows with a
    stopped_epoch and the `source` run folder they were read from) whose metrics.csv is there."""
    if "stopped_epoch" not in results:
        return pd.DataFrame()
    cells = results[(results["status"] == "ok") & results["stopped_epoch"].notna()]
    frames = []
    for cell in cells.drop_duplicates(IDENTITY)[[*IDENTITY, "source"]].itertuples(index=False):
        path = Path(cell.source) / "training" / cell_key(*cell[:4]) / "metrics.csv"
        if path.is_file():
            logged = pd.read_csv(path).groupby("epoch", as_index=False)[["train_loss", "val_loss"]].first()
            frames.append(
                logged.assign(**dict(zip(IDENTITY, cell[:4], strict=True)), epoch=logged["epoch"] + 1)
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def training_curves(results: pd.DataFrame, out: Path) -> list[Path]:
    """Per suite and dataset with logged deep cells: training and validation loss against epoch, one line
    per method, mean over the seeds still training at that epoch."""
    losses = epoch_losses(results)
    written: list[Path] = []
    for (suite, dataset), points in losses.groupby(["suite", "dataset"]) if not losses.empty else []:
        fresh_style()
        colours = palette(points["method"].nunique())
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
        for ax, loss in zip(axes, ["train_loss", "val_loss"], strict=True):
            sns.lineplot(
                data=points, x="epoch", y=loss, hue="method", errorbar=None, palette=colours, ax=ax,
                legend=loss == "val_loss",
            )  # fmt: skip
            ax.set(xlabel="epoch", ylabel=f"{loss.replace('_', ' ')} (standardised targets)")
        axes[1].legend(title="method", fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        seeds = points["seed"].nunique()
        fig.suptitle(f"{suite}, {dataset}: training curves, mean over {seeds} seed(s) still training")
        written += save(fig, out, f"{suite}-{dataset}-training-curves")
    return written
