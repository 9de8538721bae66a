"""Cells on a Dask cluster (`run --dask`): a real LocalCluster of two worker processes on 127.0.0.1 gives
the serial run's results value for value, a worker killed mid-cell costs nothing but time, and a bad
address or an unreachable storage is one line and exit 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.cli import main
from tests.suite_runs import KEYS, VOLATILE

ROOT = Path(__file__).resolve().parent.parent
# untuned, so that a scheduler started by the test (a "remote" one) may run it without a storage server;
# the causal forest's cell takes seconds, long enough to kill its worker in the middle of it
KILL_SUITE = """
kind = "effect"
seeds = 1
trials = 0

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1500, n_arms = 1, n_outcomes = 1, n_features = 5, seed = 3 }

[[methods]]
name = "tlearner-ridge"

[[methods]]
name = "random"

[[methods]]
name = "causal-forest"

[overrides]
causal-forest = { n_estimators = 3000 }
"""
SLOW_CELL = "kill__tiny__causal-forest__seed0"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=ROOT, capture_output=True, text=True, timeout=3600
    )


def stable(out: Path) -> pd.DataFrame:
    results = pd.read_parquet(out / "results.parquet").drop(columns=VOLATILE)
    return results.sort_values(KEYS, na_position="first").reset_index(drop=True)


def assert_same_predictions(one: Path, other: Path) -> None:
    files = sorted(p.name for p in (one / "predictions").glob("*.parquet"))
    assert files and files == sorted(p.name for p in (other / "predictions").glob("*.parquet"))
    for name in files:
        pd.testing.assert_frame_equal(
            pd.read_parquet(one / "predictions" / name), pd.read_parquet(other / "predictions" / name)
        )


def stored_counts(out: Path) -> dict[str, int]:
    """How often the main process stored each cell (record logs one line per store)."""
    counts: dict[str, int] = {}
    for line in (out / "run.log").read_text().splitlines():
        words = line.split(" benchmarks.run: ")[-1].split()
        if " benchmarks.run: " in line and len(words) >= 2 and words[1] in ("ok", "skipped", "error"):
            counts[words[0]] = counts.get(words[0], 0) + 1
    return counts


@pytest.mark.slow
def test_every_smoke_cell_gives_the_same_values_serial_in_a_pool_and_on_a_local_cluster(tmp_path):
    """Every method of smoke, its two datasets (embedded Hillstrom, synthetic with cost), one tuning
    trial: the same thread budget in every mode gives the same values (CRM's differed by up to 3.8e-05
    when a serial cell had two threads and a Dask one one)."""
    base = ["run", "--suite", "smoke"]
    serial = run_cli(*base, "--out", str(tmp_path / "serial"))
    assert serial.returncode == 0, serial.stderr
    pool = run_cli(*base, "--out", str(tmp_path / "pool"), "--jobs", "2")
    assert pool.returncode == 0, pool.stderr
    dask = run_cli(*base, "--out", str(tmp_path / "dask"), "--dask", "local", "--jobs", "2")
    assert dask.returncode == 0, dask.stderr
    results = stable(tmp_path / "dask")
    assert set(results["status"]) == {"ok", "skipped"} and results["dataset"].nunique() == 2
    assert set(results["threads"]) == {1}
    for other in ("serial", "pool"):
        pd.testing.assert_frame_equal(results, stable(tmp_path / other))
        assert_same_predictions(tmp_path / other, tmp_path / "dask")
    # the workers' log records (each cell's start, Optuna's trials) reach the run log, as with --jobs
    log = (tmp_path / "dask" / "run.log").read_text()
    assert "start smoke__hillstrom__tlearner-lgbm__seed0" in log and "Trial 0 finished" in log
    assert "Traceback" not in dask.stderr


@pytest.mark.slow
def test_a_worker_killed_mid_cell_costs_nothing_but_time(tmp_path):
    from distributed import Client, LocalCluster

    suite = tmp_path / "kill.toml"
    suite.write_text(KILL_SUITE)
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "serial")]) == 0

    def executing(dask_worker) -> list[str]:
        return [str(task.key) for task in dask_worker.state.executing]

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        transitions = cluster.scheduler.transition_log
        out = tmp_path / "dask"
        command = [sys.executable, "-m", "benchmarks", "run", "--suite", str(suite), "--out", str(out)]
        run = subprocess.Popen(
            [*command, "--dask", cluster.scheduler_address], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        killed = None
        deadline = time.monotonic() + 300
        while killed is None and run.poll() is None and time.monotonic() < deadline:
            running = client.run(executing)
            busy = [address for address, keys in running.items() if any(SLOW_CELL in k for k in keys)]
            if busy:
                time.sleep(0.2)  # inside the cell: its forest takes seconds
                killed = client.run(os.getpid, workers=busy)[busy[0]]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.1)
        _, stderr = run.communicate(timeout=600)
        # (key, start, finish, ...): how often each cell was sent to a worker and how often it finished
        sent = Counter(key.rsplit("-", 1)[0] for key, _, finish, *_ in transitions if finish == "processing")
        done = Counter(key.rsplit("-", 1)[0] for key, _, finish, *_ in transitions if finish == "memory")
    assert killed is not None, "the slow cell was never seen running"
    assert run.returncode == 0, stderr
    pd.testing.assert_frame_equal(stable(out), stable(tmp_path / "serial"))
    assert_same_predictions(tmp_path / "serial", out)
    cells = {"kill__tiny__tlearner-ridge__seed0": 1, "kill__tiny__random__seed0": 1, SLOW_CELL: 1}
    assert stored_counts(out) == cells and dict(done) == cells  # each cell computed and stored once
    assert sent[SLOW_CELL] == 2  # started on the killed worker, then again on the other


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    from benchmarks import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    suite = tmp_path / "kill.toml"
    suite.write_text(KILL_SUITE)
    args = ["run", "--suite", str(suite), "--out", str(tmp_path / "o"), "--methods", "random"]
    assert main([*args, "--dask", "tcp://127.0.0.1:9"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")


def test_a_remote_scheduler_with_the_run_folders_sqlite_is_refused_before_connecting(tmp_path, capsys):
    args = ["run", "--suite", "smoke", "--methods", "tlearner-ridge", "--out", str(tmp_path / "o")]
    assert main([*args, "--dask", "tcp://127.0.0.1:9"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: --dask tcp://127.0.0.1:9 tunes cells: pass --storage with a database")


def test_a_malformed_address_is_one_line_and_exit_2(tmp_path, capsys):
    args = ["run", "--suite", "smoke", "--methods", "random", "--out", str(tmp_path / "o")]
    assert main([*args, "--dask", "my-cluster"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        error == "error: --dask takes local or a scheduler address such as tcp://host:8786, got 'my-cluster'"
    )
