"""A tuned cell's final model is its best trial's when this process fitted that trial: the same parameters,
rows and seed, so the same predictions as fitting it again, with one fit fewer."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from benchmarks import cell as cell_module
from benchmarks.plan import Cell

VOLATILE = ["fit_seconds", "predict_seconds", "tune_seconds", "fit_reused", "timestamp"]


def tuned_cell(tmp_path, method: str, params: dict, logger: str = "none") -> Cell:
    return Cell(
        suite="s", dataset="synthetic", dataset_name="synthetic", dataset_options={"n_rows": 900},
        max_rows=0, method=method, method_name=method, params=params, tune=True, seed=0, trials=3,
        split=(0.6, 0.2, 0.2), kind="effect", logger=logger, out=str(tmp_path),
    )  # fmt: skip


def fits_counted(monkeypatch, method_class) -> list[int]:
    """Counts the method's fits (trials and final fit alike)."""
    fits, fit = [], method_class.fit

    def counted(self, *args, **kwargs):
        fits.append(1)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(method_class, "fit", counted)
    return fits


@pytest.mark.parametrize(
    ("method", "params"), [("tlearner-lgbm", {}), ("tarnet", {"max_epochs": 2, "min_steps": 2})]
)
def test_the_best_trial_model_predicts_what_a_refit_predicts(tmp_path, monkeypatch, method, params):
    cell = tuned_cell(tmp_path, method, params)
    fits = fits_counted(monkeypatch, cell_module.registry(cell.plugins).get(method))
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    kept = cell_module.run_cell(cell, None, storage)
    assert len(fits) == cell.trials and kept.rows["fit_reused"].all()
    # the study is finished: the run resumed now tunes nothing and fits the best parameters again
    refit = cell_module.run_cell(cell, None, storage)
    assert len(fits) == cell.trials + 1 and not refit.rows["fit_reused"].any()
    pd.testing.assert_frame_equal(kept.predictions, refit.predictions)
    pd.testing.assert_frame_equal(kept.rows.drop(columns=VOLATILE), refit.rows.drop(columns=VOLATILE))
    assert kept.rows["fit_seconds"].iloc[0] > 0


def test_the_best_trial_training_log_becomes_the_cell_log(tmp_path):
    cell = tuned_cell(tmp_path, "tarnet", {"max_epochs": 2, "min_steps": 2}, logger="csv")
    rows = cell_module.run_cell(cell, None, f"sqlite:///{tmp_path / 'optuna.db'}").rows
    assert rows["fit_reused"].all() and rows["status"].eq("ok").all()
    folder = tmp_path / "training" / cell.key
    trial_logs = sorted(folder.glob("trial-*/metrics.csv"))
    assert len(trial_logs) == cell.trials
    cell_log = (folder / "metrics.csv").read_text()
    assert cell_log in [path.read_text() for path in trial_logs]


def test_an_untuned_cell_fits_once(tmp_path, monkeypatch):
    cell = dataclasses.replace(tuned_cell(tmp_path, "tlearner-lgbm", {}), tune=False)
    fits = fits_counted(monkeypatch, cell_module.registry(cell.plugins).get("tlearner-lgbm"))
    rows = cell_module.run_cell(cell, None, "sqlite:///:memory:").rows
    assert len(fits) == 1 and not rows["fit_reused"].any()
