"""Deep models on several devices: the suite's [trainer] table and `run --devices/--strategy`, each
process's share of a batch, and (slow) two CPU processes joined by DDP (gloo) predicting what one process
predicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import datasets
from benchmarks.cli import main
from benchmarks.plan import cells_of, resolve_suite
from methods.core.base import ValidationSet
from methods.core.deep import training
from methods.core.deep.devices import Devices, current, training_on
from methods.core.registry import discover

SUITE = """
kind = "effect"
seeds = 1

[trainer]
devices = 2
strategy = "ddp"

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1500, n_arms = 1, n_outcomes = 1, n_features = 5, seed = 3 }

[[methods]]
name = "tlearner-net"
"""


def test_a_suites_trainer_table_reaches_every_cell_and_the_command_line_overrides_it(tmp_path):
    path = tmp_path / "ddp.toml"
    path.write_text(SUITE)
    registry = discover()
    [cell] = cells_of(resolve_suite(str(path)), registry)
    assert (cell.devices, cell.strategy) == (2, "ddp")
    [cell] = cells_of(resolve_suite(str(path)), registry, devices=4)
    assert (cell.devices, cell.strategy) == (4, "ddp")
    [cell] = cells_of(resolve_suite("smoke"), registry, methods=["random"], dataset_names=["hillstrom"])
    assert (cell.devices, cell.strategy) == (1, "auto")


@pytest.mark.parametrize(
    "table, message",
    [
        ("devices = 0", "trainer.devices must be at least 1, got 0"),
        ('strategy = "fsdp"', "trainer.strategy must be one of auto, ddp, got 'fsdp'"),
        ("gpus = 2", "unknown key `trainer.gpus`; valid keys: devices, strategy"),
        ('devices = "2"', "`trainer.devices` must be an integer"),
    ],
)
def test_a_malformed_trainer_table_is_one_line(table, message, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(SUITE.replace('devices = 2\nstrategy = "ddp"', table))
    assert main(["run", "--suite", str(path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error


def test_devices_below_one_on_the_command_line_is_one_line(tmp_path, capsys):
    assert main(["run", "--suite", "smoke", "--devices", "0", "--out", str(tmp_path / "out")]) == 2
    assert "--devices must be at least 1, got 0" in capsys.readouterr().err


def test_the_devices_hold_inside_the_block_only():
    with training_on(Devices(2, "ddp")):
        assert current() == Devices(2, "ddp")
        assert training.trainer_devices()["devices"] == 2
    assert current() == Devices() and training.trainer_devices() == {"devices": 1, "strategy": "auto"}


def batches(n: int, batch_size: int, shard=(0, 1)) -> list[torch.Tensor]:
    rows = torch.arange(n, dtype=torch.float32)[:, None]
    return [b for (b,) in training.TensorBatches((rows,), batch_size, shuffle=True, seed=5, shard=shard)]


def test_processes_split_each_batch_of_one_process_between_them():
    whole = batches(101, 10)
    halves = [batches(101, 10, (rank, 2)) for rank in (0, 1)]
    assert len(whole) == 11 == len(training.TensorBatches((torch.zeros(101, 1),), 10))
    assert [len(h) for h in halves] == [10, 10]  # the last batch, one row, cannot be split: left out
    assert len(training.TensorBatches((torch.zeros(101, 1),), 10, shard=(1, 2))) == 10
    for one, first, second in zip(whole[:10], *halves, strict=True):
        assert len(first) == len(second) == 5
        assert sorted(torch.cat([first, second]).flatten().tolist()) == sorted(one.flatten().tolist())


def fitted_predictions(monkeypatch=None, shard=None, **params) -> np.ndarray:
    """The T-learner network's test-row effects after 3 epochs on 2,000 synthetic rows (batches of 64:
    31 of 64 rows and one of 16, all even, so that two processes' halves weigh as one process's batch)."""
    data = datasets.load("synthetic", n_rows=2500, n_arms=1, n_outcomes=1, n_features=5, seed=3)
    train, valid, test = (data.subset(np.arange(a, b)) for a, b in ((0, 2000), (2000, 2250), (2250, 2500)))
    if shard is not None:  # one process that trains on its own share of each batch, never averaging
        original = training.loader
        monkeypatch.setattr(training, "loader", lambda *a, **k: original(*a, **{**k, "shard": shard}))
    method = discover().get("tlearner-net")(max_epochs=3, batch_size=64, min_steps=1, patience=0, **params)
    valid_set = ValidationSet(valid.X, valid.treatment, valid.y, None)
    method.fit(train.X, train.treatment, train.y, seed=0, valid=valid_set)
    return method.predict(test.X)


@pytest.mark.slow
def test_two_cpu_processes_joined_by_ddp_predict_what_one_process_predicts(monkeypatch):
    one = fitted_predictions(dropout=0.0)
    with training_on(Devices(2, "ddp")):
        two = fitted_predictions(dropout=0.0)
    alone = fitted_predictions(monkeypatch, shard=(0, 2), dropout=0.0)  # what DDP without all-reduce gives
    ddp_gap, alone_gap = np.abs(two - one).max(), np.abs(alone - one).max()
    print(f"max |effect difference| from one process: DDP {ddp_gap:.2e}, unsynchronised {alone_gap:.2e}")
    assert ddp_gap < 1e-5  # float summation order only (measured 1.0e-7 on effects of mean size 0.11)
    assert alone_gap > 100 * 1e-5


@pytest.mark.slow
def test_a_run_on_two_devices_stores_the_results_of_one_device(tmp_path):
    suite = tmp_path / "ddp.toml"
    # 900 training rows in batches of 64: 14 of 64 and one of 4, all even
    params = "params = { dropout = 0.0, max_epochs = 2, batch_size = 64, min_steps = 1 }"
    suite.write_text(SUITE.replace('name = "tlearner-net"', f'name = "tlearner-net"\n{params}'))
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "two")]) == 0
    assert (
        main(
            [
                "run",
                "--suite",
                str(suite),
                "--out",
                str(tmp_path / "one"),
                "--devices",
                "1",
                "--strategy",
                "auto",
            ]
        )
        == 0
    )
    two, one = (pd.read_parquet(tmp_path / name / "results.parquet") for name in ("two", "one"))
    assert all(device.endswith(" x2 (ddp)") for device in two["device"])
    assert not any("x2" in device for device in one["device"])
    assert two["metric"].tolist() == one["metric"].tolist()
    np.testing.assert_allclose(two["value"], one["value"], rtol=0, atol=1e-5)
    assert two["stopped_epoch"].tolist() == one["stopped_epoch"].tolist() == [2.0] * len(one)
    np.testing.assert_allclose(two["best_val_loss"], one["best_val_loss"], rtol=0, atol=1e-5)
