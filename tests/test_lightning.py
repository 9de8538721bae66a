"""The deep models as Lightning users expect them: a plain Trainer with a CSVLogger trains them, a saved
checkpoint reloads with `load_from_checkpoint` and predicts the same, optimiser settings come from the
method's parameters, and importing the training module leaves global logging and warnings alone."""

from __future__ import annotations

import subprocess
import sys

import lightning as L
import numpy as np
import pytest
import torch
from lightning.pytorch.loggers import CSVLogger

from datasets import synthetic
from methods.core.deep.baselines import TARNet
from methods.core.deep.mtmt import MTMT
from methods.core.deep.ranking import RankingModel, treated_first
from methods.core.deep.training import loader
from methods.core.registry import discover


def effect_batches(n=600):
    data = synthetic.generate(n_rows=n, n_arms=2, n_outcomes=2, n_features=6, seed=3)
    return data, loader((data.X, data.treatment, data.y.astype(np.float32)), 128, shuffle=True)


def ranking_batches(n=600):
    data = synthetic.generate(n_rows=n, n_arms=1, n_outcomes=1, n_features=6, with_cost=True, seed=3)
    treated = (data.treatment > 0).astype(np.float32)
    order = treated_first(treated)  # the full batch's cohorts as slices, as RankingModel needs
    arrays = (data.X, treated, data.y[:, 0], data.cost, np.full(n, 2.0))
    return data, loader(tuple(np.asarray(a, dtype=np.float32)[order] for a in arrays))


CASES = {
    "mtmt": (lambda: MTMT(6, 2, 2, hidden=32, stop_gradient=True), effect_batches, "effects"),
    "tarnet": (lambda: TARNet(6, 2, 2, hidden=16), effect_batches, "effects"),
    "crm": (lambda: RankingModel(6, hidden=8, barrier="quantile"), ranking_batches, "forward"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_plain_trainer_checkpoint_reloads_to_identical_predictions(name, tmp_path):
    build, batches, predict = CASES[name]
    torch.manual_seed(0)
    module = build()
    data, train = batches()
    trainer = L.Trainer(
        max_epochs=2,
        accelerator="cpu",
        logger=CSVLogger(tmp_path, name=name),
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        log_every_n_steps=1,
    )
    trainer.fit(module, train_dataloaders=train)
    path = tmp_path / f"{name}.ckpt"
    trainer.save_checkpoint(path)
    reloaded = type(module).load_from_checkpoint(path, map_location="cpu")
    x = torch.as_tensor(data.X)
    module.eval()
    with torch.no_grad():
        torch.testing.assert_close(getattr(reloaded.eval(), predict)(x), getattr(module, predict)(x))
    assert dict(reloaded.hparams) == dict(module.hparams)
    metrics = (tmp_path / name / "version_0" / "metrics.csv").read_text()
    assert "train_loss" in metrics.splitlines()[0]


def test_cosine_schedule_spans_the_run_unless_a_suite_sets_t_max():
    data = synthetic.generate(n_rows=800, n_arms=1, n_outcomes=1, n_features=5, seed=1)
    mtmt = discover().get("mtmt")
    for params, t_max in (({}, 3), ({"t_max": 5, "lr": 2e-3, "weight_decay": 0.0}, 5)):
        method = mtmt(max_epochs=3, **params).fit(data.X, data.treatment, data.y, seed=0)
        schedule = method.net_.trainer.lr_scheduler_configs[0].scheduler
        assert schedule.T_max == t_max
        assert schedule.optimizer.defaults["lr"] == params.get("lr", 1e-3)
        assert schedule.optimizer.defaults["weight_decay"] == params.get("weight_decay", 1e-3)


def test_importing_the_training_module_changes_no_global_logging_or_warnings():
    code = (  # lightning and torch adjust their own loggers and filters on import: snapshot after them
        "import logging, warnings, lightning, torch, numpy\n"
        "names = ('lightning', 'lightning.pytorch', 'lightning.fabric')\n"
        "before = ([logging.getLogger(n).level for n in names], list(warnings.filters))\n"
        "import methods.core.deep.training\n"
        "after = ([logging.getLogger(n).level for n in names], list(warnings.filters))\n"
        "assert before[0] == after[0], (before[0], after[0])\n"
        "assert before[1] == after[1], [f for f in after[1] if f not in before[1]]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
