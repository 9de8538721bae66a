"""Faults under a run: a run folder that cannot be written (a real full tmpfs, and an injected OSError), a
second run on an SQLite storage already in use, a Dask cluster left without workers, a worker that fails
while it is set up: each is one line and exit status 2, the finished cells stay, and resume recovers."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from benchmarks import store as store_module
from benchmarks.cli import main
from benchmarks.errors import ClusterError
from benchmarks.store import ResultsStore
from benchmarks.tuning import holding_storage
from tests.suite_runs import KEYS, VOLATILE

ROOT = Path(__file__).resolve().parent.parent
SUITE = """
kind = "effect"
seeds = 2
trials = 2

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1500, n_arms = 1, n_outcomes = 1, n_features = 5, seed = 3 }

[[methods]]
name = "tlearner-ridge"

[[methods]]
name = "random"

[[methods]]
name = "tlearner-lgbm"
"""


@pytest.fixture
def suite(tmp_path) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(SUITE)
    return path


def stable(out: Path) -> pd.DataFrame:
    results = pd.read_parquet(out / "results.parquet").drop(columns=VOLATILE)
    return results.sort_values(KEYS, na_position="first").reset_index(drop=True)


def test_an_oserror_writing_the_run_folder_is_one_line_and_exit_2_and_resume_recovers(
    suite, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "run"
    write = store_module.write_atomically
    written = []

    def full_after_two_cells(frame, target, *args, **kwargs):
        if target.parent.name == "cells" and len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        write(frame, target, *args, **kwargs)
        written.append(target) if target.parent.name == "cells" else None

    monkeypatch.setattr(store_module, "write_atomically", full_after_two_cells)
    command = ["run", "--suite", str(suite), "--out", str(out), "--methods", "random,tlearner-ridge"]
    assert main(command) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == (
        f"error: cannot write the run folder {out} (No space left on device); finished cells are saved: "
        "make room and run the same command again to resume"
    )
    assert len(ResultsStore(out).finished()) == 2 and not list(out.rglob("*.tmp"))

    monkeypatch.undo()
    assert main(command) == 0
    assert "2 already finished, 2 to compute" in (out / "run.log").read_text()
    assert main([*command, "--out", str(tmp_path / "whole")]) == 0
    pd.testing.assert_frame_equal(stable(out), stable(tmp_path / "whole"))


@pytest.fixture
def small_disk(tmp_path):
    """A real 24 MiB tmpfs (needs root); skipped where it cannot be mounted."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros into `disk` until it is full."""
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


@pytest.mark.slow
def test_a_full_disk_under_jobs_2_stops_at_once_with_one_line_and_resume_recovers(
    suite, tmp_path, small_disk
):
    out = small_disk / "run"
    command = [sys.executable, "-m", "benchmarks", "run", "--suite", str(suite), "--out", str(out)]
    run = subprocess.Popen([*command, "--jobs", "2"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    started: dict[int, psutil.Process] = {}
    while run.poll() is None and len(list((out / "cells").glob("*.parquet"))) < 2:
        started.update((p.pid, p) for p in psutil.Process(run.pid).children(recursive=True))
        time.sleep(0.1)
    filler = fill(small_disk)
    stored = len(list((out / "cells").glob("*.parquet")))
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 2, stderr
    line = stderr.strip().splitlines()[-1]  # pyarrow's or Python's words for ENOSPC
    assert line.startswith(f"error: cannot write the run folder {out} (")
    assert "No space left on device" in line
    assert "Traceback" not in stderr and "Logging error" not in stderr
    assert stored < 6 and len(list((out / "cells").glob("*.parquet"))) <= stored + 1
    _, alive = psutil.wait_procs(started.values(), timeout=10)  # every worker is gone, none orphaned
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]

    filler.unlink()
    resumed = subprocess.run([*command, "--jobs", "2"], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    whole = subprocess.run([*command[:-2], "--out", str(tmp_path / "whole")], cwd=ROOT, capture_output=True)
    assert whole.returncode == 0
    pd.testing.assert_frame_equal(stable(out), stable(tmp_path / "whole"))


def test_a_second_run_on_an_sqlite_storage_in_use_is_refused_with_one_line(suite, tmp_path, capsys):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    command = ["run", "--suite", str(suite), "--out", str(tmp_path / "second"), "--storage", storage]
    with holding_storage(storage):  # as a first run with another --out holds it
        assert main(command) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        f"error: the Optuna storage {storage} is in use by another run (pid {os.getpid()}); "
        "wait for it to end or give this run its own --storage"
    )
    assert not (tmp_path / "second" / "cells").exists()


def test_a_worker_that_dies_while_set_up_is_named_as_such_not_as_a_wrong_checkout():
    from distributed.comm.core import CommClosedError

    from benchmarks.cluster import WorkerSetup, register

    class Cluster:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def register_plugin(self, plugin, name) -> None:
            raise self.error

    with pytest.raises(ClusterError, match=r"^a Dask worker of local failed while it was being set up "):
        register(Cluster(CommClosedError("in <TCP (closed)>: Stream is closed")), WorkerSetup(), "local")
    with pytest.raises(
        ClusterError, match=r"^the workers of local cannot run this checkout \(ModuleNotFound"
    ):
        register(Cluster(ModuleNotFoundError("No module named 'benchmarks'")), WorkerSetup(), "local")


@pytest.mark.slow
def test_a_cluster_left_without_workers_stops_the_run_with_one_line(suite, tmp_path, monkeypatch, capsys):
    from distributed import LocalCluster

    from benchmarks import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "NO_WORKER_SECONDS", 3)
    monkeypatch.setattr(cluster_module, "CHECK_SECONDS", 0.5)
    out = tmp_path / "run"
    local = LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)

    def scale_down_after_a_cell() -> None:
        while not list((out / "cells").glob("*.parquet")):
            time.sleep(0.1)
        local.scale(0)

    with local:
        threading.Thread(target=scale_down_after_a_cell, daemon=True).start()
        command = ["run", "--suite", str(suite), "--out", str(out), "--trials", "0"]
        assert main([*command, "--dask", local.scheduler_address]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"error: the Dask cluster at {local.scheduler_address} has had no worker for 3 s")
    assert 1 <= len(ResultsStore(out).finished()) < 6


def test_a_result_lost_with_its_worker_is_waited_for_with_the_workers_checked(monkeypatch):
    """A task reported finished whose result then went with its worker is pending again: `outcome` waits
    for it CHECK_SECONDS at a time and lets the worker watch end the run, instead of waiting forever."""
    from benchmarks import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "CHECK_SECONDS", 0.01)

    class PendingAgain:
        waits = 0

        def result(self, timeout=None):
            assert timeout is not None, "an unbounded wait would hang"
            self.waits += 1
            raise TimeoutError

        def done(self):
            return False

    class NoWorkers:
        checks = 0

        def check(self):
            self.checks += 1
            if self.checks == 3:
                raise ClusterError("the Dask cluster at local has had no worker for 3 s (all lost)")

    future, watch = PendingAgain(), NoWorkers()
    with pytest.raises(ClusterError, match="no worker"):
        cluster_module.outcome(future, "local", watch)
    assert future.waits == 3
