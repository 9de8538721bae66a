"""The full-size rehearsal's parts at a tiny size: the generated CRITEO-layout file reads back through the
criteo loader as an unverified (not official) file, the phase recorder measures each phase on its own,
and `run --max-epochs` caps the epochs of the methods that train in epochs only. And the two costs the
rehearsal found at 14M rows, fixed: a (dataset, seed)'s split is computed once for all its methods, and
MTMT scores a test split (prediction and explanation columns) with one pass of the network."""

import gzip
import importlib.util
import logging
from pathlib import Path

import numpy as np
import pytest

import datasets
from benchmarks.cli import main
from benchmarks.commands.run import cap_epochs
from benchmarks.phases import phase, read_phases, reset_peak
from benchmarks.plan import cells_of
from benchmarks.suites import load as load_suite
from methods.core.registry import discover

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "criteo-uplift-v2.1.rows1000.csv.gz"


def rehearsal_script():
    spec = importlib.util.spec_from_file_location("rehearse_criteo", ROOT / "scripts" / "rehearse_criteo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_file_has_criteos_layout_and_loads_as_unverified(tmp_path, capsys):
    path = rehearsal_script().generate(tmp_path, rows=30_000, seed=1)
    with gzip.open(path, "rt") as generated, gzip.open(SAMPLE, "rt") as official:
        assert generated.readline() == official.readline()  # header: names, order, no quotes
        first = generated.readline().rstrip("\n").split(",")
    assert len(first) == 16 and set(first[12:]) <= {"0", "1"}
    data = datasets.load("criteo", data_dir=tmp_path)
    assert data.n_rows == 30_000 and data.feature_names == tuple(f"f{i}" for i in range(12))
    assert data.meta["source"]["checksum_ok"] is None  # never passed off as the official file
    treated = data.treatment == 1
    assert 0.83 < treated.mean() < 0.87
    visit = data.y[:, 0]
    assert visit[treated].mean() - visit[~treated].mean() > 0.005  # the planted effect on visit
    assert main(["data", "verify", "criteo", "--data-dir", str(tmp_path)]) == 0
    assert "not verified" in capsys.readouterr().out


def test_phases_are_timed_and_their_peaks_measured_apart(caplog):
    if not reset_peak():
        pytest.skip("this OS cannot reset the peak-RSS mark (/proc/self/clear_refs)")
    with caplog.at_level(logging.INFO, logger="benchmarks.phases"):
        with phase("big", "cell-a"):
            block = np.ones(2**28 // 8)  # 256 MiB, touched
            del block
        with phase("small"):
            pass
    big, small = read_phases(caplog.text)
    assert (big["phase"], big["cell"], small["phase"], small["cell"]) == ("big", "cell-a", "small", "")
    assert big["peak_gib"] - small["peak_gib"] > 0.2  # the second phase does not inherit the first's peak
    assert big["seconds"] >= 0 and small["seconds"] >= 0


def test_max_epochs_caps_deep_methods_only():
    registry = discover()
    cells = cells_of(load_suite("smoke"), registry, seeds=1)
    capped = cap_epochs(cells, registry, 1)
    trains_in_epochs = [("max_epochs" in registry.get(c.method_name).defaults) for c in cells]
    assert any(trains_in_epochs) and not all(trains_in_epochs)
    for before, after, epochs in zip(cells, capped, trains_in_epochs, strict=True):
        if epochs:
            assert after.params["max_epochs"] == 1
            assert {k: v for k, v in after.params.items() if k != "max_epochs"} == {
                k: v for k, v in before.params.items() if k != "max_epochs"
            }
        else:
            assert after == before
    assert cap_epochs(cells, registry, None) == cells


def test_max_epochs_must_be_positive(capsys):
    assert main(["run", "--suite", "smoke", "--max-epochs", "0"]) == 2
    assert "--max-epochs must be at least 1" in capsys.readouterr().err


def test_a_split_is_computed_once_per_dataset_and_seed(monkeypatch, tmp_path):
    from benchmarks import cell as cell_module

    seeds = []
    real = cell_module.split_indices
    monkeypatch.setattr(
        cell_module, "split_indices", lambda data, f, seed: seeds.append(seed) or real(data, f, seed)
    )
    cell_module.split_rows.cache_clear()
    registry = discover()
    cells = cells_of(load_suite("smoke"), registry, methods=["random", "tlearner-lgbm"], seeds=2)
    cells = [c for c in cells if c.dataset == "hillstrom"]
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    outcomes = [cell_module.run_cell(c, None, storage) for c in cells]
    assert len(cells) == 4 and len(seeds) == 2 and len(set(seeds)) == 2  # two seeds, one split each
    assert all(outcome.rows["status"].iloc[0] == "ok" for outcome in outcomes)
    test_rows = {
        (c.method, c.seed): tuple(o.predictions["row"]) for c, o in zip(cells, outcomes, strict=True)
    }
    assert test_rows[("random", 0)] == test_rows[("tlearner-lgbm", 0)] != test_rows[("random", 1)]


def test_mtmt_scores_a_test_split_with_one_pass_and_unchanged_effects():
    from datasets import synthetic
    from methods.core.deep.training import predict_in_batches
    from methods.mtmt import Mtmt

    data = synthetic.generate(n_rows=600, n_arms=2, n_outcomes=2, n_features=6, seed=3)
    method = Mtmt(max_epochs=1, hidden=8, experts=2, attention_dim=8, heads=2, tokens=2)
    method.fit(data.X, data.treatment, data.y, seed=0)
    X = data.X.astype(np.float32)
    Xs, _ = method._scaled(X, None)
    network = predict_in_batches(method.net_.effects, Xs.astype(np.float32)) * method.y_scale_[None, None, :]
    assert np.array_equal(method.predict(X), network)  # bit for bit the network's own `effects`
    passes = []
    components = method.net_.components
    method.net_.components = lambda x: passes.append(len(x)) or components(x)
    with method.predicting_once():
        method.rank(X)
        method.predict(X)
        explained = method.explain(X)
    assert passes == [600]  # prediction and explanation share one pass over the rows
    assert np.allclose(explained["base"][:, None, :] + explained["incremental"], network, atol=1e-6)
    method.predict(X)
    method.explain(X)
    assert passes == [600, 600, 600]  # outside the block nothing is kept
