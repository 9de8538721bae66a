"""Optuna studies shared through a PostgreSQL server: two runs tune one study per cell together, with the
choices one run alone makes. The server is Debian's PostgreSQL, started and stopped here."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.tuning import slot

ROOT = Path(__file__).resolve().parent.parent
TRIALS = 10  # TPE's random phase: every trial's parameters are fixed by (seed, slot), whoever runs it
SUITE = f"""
kind = "effect"
seeds = 1
trials = {TRIALS}

[[datasets]]
name = "synthetic"
label = "tiny"
options = {{ n_rows = 1500, n_arms = 1, n_outcomes = 1, n_features = 5, seed = 3 }}

[[methods]]
name = "tlearner-ridge"
"""
KEY = "shared__tiny__tlearner-ridge__seed0"
# The CLI, with each trial taking 0.3 s more (as a slower model would) and the run starting only once the
# other run is ready too, so that the two tune the study at the same time.
SLOW_TRIALS_AFTER_BARRIER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from benchmarks.cli import main
    from methods.core.registry import discover

    method = discover().get("tlearner-ridge")
    space = method.search_space

    def slow(cls, trial):
        time.sleep(0.3)
        return space(trial)

    method.search_space = classmethod(slow)
    barrier = Path(os.environ["BARRIER"])
    (barrier / str(os.getpid())).touch()
    while len(list(barrier.iterdir())) < 2:
        time.sleep(0.05)
    sys.exit(main(sys.argv[1:]))
    """
)

# The CLI with heartbeats every second (stale after 3 s), SIGKILLing itself when trial 2 asks for
# parameters if KILL_AT_TRIAL_2 is set: trials 0 and 1 finished, trial 2 left RUNNING on the server.
SHORT_HEARTBEATS = textwrap.dedent(
    """
    import os, signal, sys
    from benchmarks import tuning
    from benchmarks.cli import main
    from methods.core.registry import discover

    tuning.HEARTBEAT_SECONDS, tuning.GRACE_SECONDS = 1, 3
    method = discover().get("tlearner-ridge")
    space = method.search_space

    def killing(cls, trial):
        if trial.number == 2 and os.environ.get("KILL_AT_TRIAL_2"):
            os.kill(os.getpid(), signal.SIGKILL)
        return space(trial)

    method.search_space = classmethod(killing)
    sys.exit(main(sys.argv[1:]))
    """
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """The URL of a database on a throwaway PostgreSQL server (Debian's package), stopped afterwards."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.skip("PostgreSQL's server is not installed (Debian package `postgresql`)")
    bin_dir = Path(binaries[-1])
    as_user: list[str] = []
    home = Path(tempfile.mkdtemp(prefix="optuna-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as Debian's postgres user
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        os.chown(home, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = home / "data"

    def call(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    call(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1"
    call(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start")
    try:
        call(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "optuna")
        yield f"postgresql://postgres@127.0.0.1:{port}/optuna"
    finally:
        call(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def stable(results: pd.DataFrame) -> pd.DataFrame:
    keys = ["dataset", "method", "seed", "arm", "outcome", "metric", "variant"]
    volatile = ["timestamp", "fit_seconds", "predict_seconds", "tune_seconds"]
    return results.drop(columns=volatile).sort_values(keys, na_position="first").reset_index(drop=True)


@pytest.mark.slow
def test_two_runs_complete_one_postgres_study_with_the_choices_of_one_run(postgres, tmp_path):
    suite = tmp_path / "shared.toml"
    suite.write_text(SUITE)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    environment = {**os.environ, "BARRIER": str(barrier), "OMP_NUM_THREADS": "1"}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                SLOW_TRIALS_AFTER_BARRIER,
                "run",
                "--suite",
                str(suite),
                "--out",
                str(tmp_path / name),
                "--storage",
                postgres,
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for name in ("a", "b")
    ]
    for process in runs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    alone = tmp_path / "alone"
    assert main(["run", "--suite", str(suite), "--out", str(alone)]) == 0

    shared = optuna.load_study(study_name=KEY, storage=postgres.replace("postgresql", "postgresql+psycopg"))
    numbers = [t.number for t in shared.trials]
    assert len(numbers) == len(set(numbers))
    complete = [t for t in shared.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == TRIALS
    assert len({t.user_attrs["worker"] for t in complete}) == 2  # both runs took trials
    single = optuna.load_study(study_name=KEY, storage=f"sqlite:///{alone / 'optuna.db'}")
    assert [t.params for t in complete] == [t.params for t in single.trials]
    assert [t.value for t in complete] == [t.value for t in single.trials]
    assert shared.best_params == single.best_params
    expected = stable(pd.read_parquet(alone / "results.parquet"))
    for name in ("a", "b"):
        got = stable(pd.read_parquet(tmp_path / name / "results.parquet"))
        pd.testing.assert_frame_equal(got, expected)


@pytest.mark.slow
def test_a_run_killed_mid_trial_leaves_its_trial_to_the_next_run_in_its_slot(postgres, tmp_path):
    suite = tmp_path / "killed.toml"  # its own study in the server's database
    suite.write_text(SUITE)
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", SHORT_HEARTBEATS, "run", "--suite", str(suite), "--storage", postgres]
    killed = subprocess.run(
        [*command, "--out", str(tmp_path / "a")], cwd=ROOT, env={**environment, "KILL_AT_TRIAL_2": "1"},
        capture_output=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    resumed = subprocess.run(
        [*command, "--out", str(tmp_path / "b")], cwd=ROOT, env=environment, capture_output=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    alone = tmp_path / "alone"
    assert main(["run", "--suite", str(suite), "--out", str(alone)]) == 0

    key = KEY.replace("shared", "killed")
    shared = optuna.load_study(study_name=key, storage=postgres.replace("postgresql", "postgresql+psycopg"))
    assert shared.trials[2].state == optuna.trial.TrialState.FAIL  # stale: failed and retried by run b
    complete = [t for t in shared.trials if t.state == optuna.trial.TrialState.COMPLETE]
    by_slot = {slot(shared, t): t.params for t in complete}
    single = optuna.load_study(study_name=key, storage=f"sqlite:///{alone / 'optuna.db'}")
    assert by_slot == {t.number: t.params for t in single.trials}
    assert shared.best_params == single.best_params
    expected = stable(pd.read_parquet(alone / "results.parquet"))
    pd.testing.assert_frame_equal(stable(pd.read_parquet(tmp_path / "b" / "results.parquet")), expected)


@pytest.mark.parametrize(
    "url",
    ["postgresql://someone:secret@127.0.0.1:1/optuna", "postgresql://someone@/optuna?host=/nonexistent"],
)
def test_an_unreachable_postgres_server_is_one_line_without_the_password(url, tmp_path, capsys):
    suite = tmp_path / "shared.toml"
    suite.write_text(SUITE)
    started = time.monotonic()
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "out"), "--storage", url]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("error: cannot open the Optuna storage postgresql://someone")
    assert "secret" not in error
    assert time.monotonic() - started < 60
