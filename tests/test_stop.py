"""Stopping a run (benchmarks/stopping.py): the first SIGINT or SIGTERM, to the process group or to the main
process alone, at a random point of a real `--jobs 2` or `--dask local` run, ends it within seconds with
one line and 130/143, leaves no process behind and frees the folder; resuming gives the uninterrupted
serial run's values."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from benchmarks.stopping import Stopped, stop_on_signals
from tests.suite_runs import KEYS, VOLATILE

ROOT = Path(__file__).resolve().parent.parent
# eight cells of a few seconds each: a tuned one (its study resumes), one whose forest uses joblib helpers
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
name = "causal-forest"

[[methods]]
name = "tlearner-lgbm"

[overrides]
causal-forest = { n_estimators = 200 }
"""
STOP_SECONDS = 10  # the most a stop may take


def command(suite: Path, out: Path, *mode: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks", "run", "--suite", str(suite), "--out", str(out), *mode]


def stable(out: Path) -> pd.DataFrame:
    results = pd.read_parquet(out / "results.parquet").drop(columns=VOLATILE)
    return results.sort_values(KEYS, na_position="first").reset_index(drop=True)


def is_python(process: psutil.Process) -> bool:
    """Whether the process runs Python (a worker), not a short-lived helper such as git."""
    try:
        return "python" in process.name().lower()
    except psutil.NoSuchProcess:
        return False


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def left_after(processes: list[psutil.Process], seconds: float) -> list[int]:
    """The ids of the processes still alive after `seconds`."""
    deadline = time.monotonic() + seconds
    while any(map(alive, processes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p.pid for p in processes if alive(p)]


def stop_at_random(
    args: list[str], signum: int, to_group: bool, after: float
) -> tuple[int, float, str, list]:
    """Start a run in its own process group, send `signum` `after` seconds after its first child process
    (a pool or cluster worker) appeared, so that the stop comes while cells are computed however fast the
    machine is; its exit status, the seconds from the signal to its exit, its stderr and every process it
    had started."""
    run = subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen: dict[int, psutil.Process] = {}
    deadline = None
    while (deadline is None or time.monotonic() < deadline) and run.poll() is None:
        try:
            seen.update((p.pid, p) for p in psutil.Process(run.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            break
        if deadline is None and any(is_python(p) for p in seen.values()):
            deadline = time.monotonic() + after
        time.sleep(0.1)
    sent = time.monotonic()
    if run.poll() is None:
        os.killpg(run.pid, signum) if to_group else os.kill(run.pid, signum)
    try:
        _, stderr = run.communicate(timeout=60)
    finally:
        run.kill()
    return run.returncode, time.monotonic() - sent, stderr, list(seen.values())


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory) -> tuple[Path, Path]:
    """The suite file and its uninterrupted serial run."""
    folder = tmp_path_factory.mktemp("stop")
    suite = folder / "stop.toml"
    suite.write_text(SUITE)
    done = subprocess.run(command(suite, folder / "serial"), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return suite, folder / "serial"


@pytest.mark.slow
@pytest.mark.parametrize("mode", [("--jobs", "2"), ("--dask", "local")], ids=["jobs-2", "dask-local"])
def test_a_stop_at_a_random_point_is_clean_and_resume_gives_the_serial_values(serial_run, tmp_path, mode):
    suite, serial = serial_run
    out = tmp_path / "stopped"
    draw = random.Random(24)
    stops = [(signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGTERM, True), (signal.SIGINT, False)]
    with_workers = 0
    for signum, to_group in stops:
        status, seconds, stderr, started = stop_at_random(
            command(suite, out, *mode), signum, to_group, draw.uniform(0.5, 6)
        )
        if status == 0:  # the run ended before the signal came
            break
        assert status == 128 + signum, stderr
        assert seconds < STOP_SECONDS
        last = stderr.strip().splitlines()[-1]
        assert last.startswith(f"stopped by {signum.name}:") and "run the same command again" in last
        # a Dask worker that is importing Python when Ctrl-C reaches the group may print its traceback
        assert "Traceback" not in stderr or (mode[0] == "--dask" and to_group)
        assert not left_after(started, 3)  # multiprocessing's resource tracker exits last
        with_workers += bool(started)
    assert with_workers  # at least one stop came while cells were being computed
    resumed = subprocess.run(command(suite, out, *mode), cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr  # the lock was freed
    pd.testing.assert_frame_equal(stable(out), stable(serial))


def test_the_first_signal_raises_stopped_and_the_next_ones_are_ignored():
    # what the block restores: Python's handlers, or SIG_IGN where a shell started the tests in the background
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(Stopped) as stop, stop_on_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    assert stop.value.exit_status == 143 and "stopped by SIGTERM" in str(stop.value)
    assert signal.getsignal(signal.SIGTERM) is before[signal.SIGTERM]  # restored after the block
    with pytest.raises(Stopped), stop_on_signals():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
    with pytest.raises(Stopped) as stop, stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except Stopped:
            os.kill(os.getpid(), signal.SIGINT)  # during the stop: ignored
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
            raise
    assert stop.value.exit_status == 130
    assert signal.getsignal(signal.SIGINT) is before[signal.SIGINT]
