"""Deep training you can watch: the final fit of each deep cell logs its per-epoch losses with Lightning's
CSVLogger into the run folder (or another logger, or none), the predictions stay bit-identical with the
logger on, and results.parquet records the epochs trained and the best validation loss."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from benchmarks.cli import main
from datasets import synthetic
from methods.core.base import ValidationSet
from methods.core.deep.logs import TrainingLog, logging_training
from methods.core.registry import discover

SUITE = """
kind = "effect"
seeds = 1

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1200, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 3 }

[[methods]]
name = "tarnet"
params = { max_epochs = 4, patience = 1 }

[[methods]]
name = "random"
"""


def fitted_predictions(log: TrainingLog | None):
    data = synthetic.generate(n_rows=900, n_arms=2, n_outcomes=1, n_features=5, seed=2)
    train, valid = data.subset(np.arange(600)), data.subset(np.arange(600, 900))
    method = discover().get("tarnet")(max_epochs=3, min_steps=5)
    with logging_training(log):
        method.fit(train.X, train.treatment, train.y, seed=4,
                   valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost))  # fmt: skip
    return method.predict(data.X), method.training_summary()


def test_predictions_are_bit_identical_with_the_csv_logger_and_without(tmp_path):
    logged, summary = fitted_predictions(TrainingLog("csv", str(tmp_path), "cell"))
    plain, _ = fitted_predictions(None)
    np.testing.assert_array_equal(logged, plain)
    metrics = pd.read_csv(tmp_path / "training" / "cell" / "metrics.csv")
    assert sorted(metrics["epoch"].unique()) == [0, 1, 2]
    assert metrics["train_loss"].notna().sum() == 3 and metrics["val_loss"].notna().sum() == 3
    assert summary == {"stopped_epoch": 3.0, "best_val_loss": pytest.approx(metrics["val_loss"].min())}


def test_a_run_logs_each_deep_cell_and_records_where_it_stopped(tmp_path):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    out = tmp_path / "out"
    assert main(["run", "--suite", str(suite), "--out", str(out)]) == 0
    metrics = pd.read_csv(out / "training" / "tiny__tiny__tarnet__seed0" / "metrics.csv")
    assert [p.name for p in (out / "training").iterdir()] == ["tiny__tiny__tarnet__seed0"]  # deep cells only
    results = pd.read_parquet(out / "results.parquet").groupby("method").first()
    assert results.loc["tarnet", "stopped_epoch"] == metrics["epoch"].nunique()
    assert results.loc["tarnet", "best_val_loss"] == pytest.approx(metrics["val_loss"].min())
    assert np.isnan(results.loc["random", "stopped_epoch"]) and np.isnan(
        results.loc["random", "best_val_loss"]
    )


def test_logger_none_writes_no_training_logs(tmp_path):
    suite = tmp_path / "tiny.toml"
    suite.write_text(SUITE)
    out = tmp_path / "out"
    assert (
        main(["run", "--suite", str(suite), "--out", str(out), "--methods", "tarnet", "--logger", "none"])
        == 0
    )
    assert not (out / "training").exists()
    assert pd.read_parquet(out / "results.parquet")["stopped_epoch"].notna().all()


@pytest.mark.parametrize(("kind", "package"), [("tensorboard", "tensorboard"), ("mlflow", "mlflow")])
def test_an_optional_logger_that_is_not_installed_is_one_line_and_status_2(kind, package, tmp_path, capsys):
    if importlib.util.find_spec(package):
        pytest.skip(f"{package} is installed")
    assert main(["run", "--suite", "smoke", "--logger", kind, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: --logger {kind} needs the package {package}: pip install {package}"
    assert not (tmp_path / "out").exists()
