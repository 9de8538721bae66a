"""The report's training-curve figure: per suite and dataset, the logged per-epoch losses of the deep
cells of each run folder (OUT/training/<cell>/metrics.csv), mean over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.plan import cell_key
from benchmarks.report.training_curves import epoch_losses, training_curves


def logged_run(folder, epochs_by_seed: dict[int, int]) -> pd.DataFrame:
    """Result rows of a run folder with a deep method (logged, as CSVLogger writes) and the random one."""
    rows = []
    for seed, epochs in epochs_by_seed.items():
        lines = []
        for epoch in range(epochs):
            lines += [
                (epoch, 10 * epoch + 9, np.nan, 1.0 / (epoch + 1 + seed)),
                (epoch, 10 * epoch + 9, 2.0 - epoch, np.nan),
            ]
        path = folder / "training" / cell_key("s", "d[x]", "tarnet[lr=0.1]", seed) / "metrics.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame(lines, columns=["epoch", "step", "train_loss", "val_loss"]).to_csv(path, index=False)
        rows.append(dict(suite="s", dataset="d[x]", method="tarnet[lr=0.1]", seed=seed, stopped_epoch=epochs))
        rows.append(dict(suite="s", dataset="d[x]", method="random", seed=seed, stopped_epoch=np.nan))
    return pd.DataFrame(rows).assign(status="ok", source=str(folder))


def test_the_logged_epochs_of_each_deep_cell_are_read_and_drawn(tmp_path):
    results = logged_run(tmp_path / "run", {0: 3, 1: 2})
    losses = epoch_losses(results)
    assert set(losses["method"]) == {"tarnet[lr=0.1]"} and len(losses) == 5
    seed0 = losses[losses["seed"] == 0].sort_values("epoch")
    assert seed0["epoch"].tolist() == [1, 2, 3]
    assert seed0["val_loss"].tolist() == [1.0, 0.5, 1 / 3] and seed0["train_loss"].tolist() == [2.0, 1.0, 0.0]
    written = training_curves(results, tmp_path / "figures")
    assert sorted(p.name for p in written) == ["s-d[x]-training-curves.pdf", "s-d[x]-training-curves.png"]
    assert all(p.stat().st_size > 1000 for p in written)


def test_runs_without_logs_or_without_the_columns_draw_nothing(tmp_path):
    results = logged_run(tmp_path / "run", {0: 2})
    assert training_curves(results.assign(source=str(tmp_path / "elsewhere")), tmp_path / "figures") == []
    assert training_curves(results.drop(columns="stopped_epoch"), tmp_path / "figures") == []
