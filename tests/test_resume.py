"""Resuming a run folder: tuning resumed after a kill makes the uninterrupted run's choices, --force tunes
afresh, failed and damaged cells are computed again, one runner per folder, the storage made once."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import optuna
import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.runner import prepare, shut_down_loky
from benchmarks.store import ResultsStore, exclusive
from methods.core.registry import discover
from tests.suite_runs import VOLATILE

ROOT = Path(__file__).resolve().parent.parent
SUITE = """
kind = "effect"
seeds = 1
trials = 4

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1500, n_arms = 1, n_outcomes = 1, n_features = 5, seed = 3 }

[[methods]]
name = "tlearner-ridge"

[[methods]]
name = "random"

[[methods]]
name = "rlearner-duality"
"""
TUNED_KEY = "tiny__tiny__tlearner-ridge__seed0"
# Runs the CLI with tlearner-ridge's search space SIGKILLing the process when trial 2 asks for parameters,
# as a kill during tuning would: trials 0 and 1 are finished, trial 2 is left RUNNING.
KILLED_DURING_TRIAL_2 = textwrap.dedent(
    """
    import os, signal, sys
    from benchmarks.cli import main
    from methods.core.registry import discover

    method = discover().get("tlearner-ridge")
    space = method.search_space

    def killing(cls, trial):
        if trial.number == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return space(trial)

    method.search_space = classmethod(killing)
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.fixture
def suite_file(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(SUITE)
    return path


def stable(results: pd.DataFrame) -> pd.DataFrame:
    keys = ["dataset", "method", "seed", "arm", "outcome", "metric", "variant"]
    return results.drop(columns=VOLATILE).sort_values(keys, na_position="first").reset_index(drop=True)


def study_of(out: Path, key: str = TUNED_KEY) -> optuna.Study:
    return optuna.load_study(study_name=key, storage=f"sqlite:///{out / 'optuna.db'}")


def run(suite_file: Path, out: Path, *extra: str) -> int:
    return main(["run", "--suite", str(suite_file), "--out", str(out), *extra])


def test_tuning_killed_mid_trial_resumes_to_the_uninterrupted_choices(suite_file, tmp_path):
    whole = tmp_path / "whole"
    assert run(suite_file, whole, "--methods", "tlearner-ridge") == 0

    out = tmp_path / "killed"
    args = ["run", "--suite", str(suite_file), "--out", str(out), "--methods", "tlearner-ridge"]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_DURING_TRIAL_2, *args], cwd=ROOT, capture_output=True, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    states = [t.state for t in study_of(out).trials]
    assert states == [optuna.trial.TrialState.COMPLETE] * 2 + [optuna.trial.TrialState.RUNNING]

    assert run(suite_file, out, "--methods", "tlearner-ridge") == 0
    resumed = study_of(out).trials
    assert resumed[2].state == optuna.trial.TrialState.FAIL  # the orphan, marked failed and run again
    finished = [t for t in resumed if t.state == optuna.trial.TrialState.COMPLETE]
    uninterrupted = study_of(whole).trials
    assert [t.params for t in finished] == [t.params for t in uninterrupted]
    assert [t.value for t in finished] == [t.value for t in uninterrupted]
    expected = stable(pd.read_parquet(whole / "results.parquet"))
    pd.testing.assert_frame_equal(stable(pd.read_parquet(out / "results.parquet")), expected)


def test_a_trial_whose_objective_raised_leaves_its_place_to_the_next(suite_file, tmp_path, monkeypatch):
    whole = tmp_path / "whole"
    assert run(suite_file, whole, "--methods", "tlearner-ridge") == 0
    method = discover().get("tlearner-ridge")
    space = method.search_space

    def full_disk_at_trial_2(cls, trial):  # as an SQLite write on a full disk raises inside a trial
        if trial.number == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return space(trial)

    out = tmp_path / "failed"
    with monkeypatch.context() as patch:
        patch.setattr(method, "search_space", classmethod(full_disk_at_trial_2))
        run(suite_file, out, "--methods", "tlearner-ridge")
    states = [t.state for t in study_of(out).trials]
    assert states == [optuna.trial.TrialState.COMPLETE] * 2 + [optuna.trial.TrialState.FAIL]

    assert run(suite_file, out, "--methods", "tlearner-ridge") == 0
    finished = [t for t in study_of(out).trials if t.state == optuna.trial.TrialState.COMPLETE]
    uninterrupted = study_of(whole).trials
    assert [t.params for t in finished] == [t.params for t in uninterrupted]
    expected = stable(pd.read_parquet(whole / "results.parquet"))
    pd.testing.assert_frame_equal(stable(pd.read_parquet(out / "results.parquet")), expected)


def test_force_tunes_the_cell_afresh(suite_file, tmp_path):
    out = tmp_path / "run"
    assert run(suite_file, out, "--methods", "tlearner-ridge", "--trials", "2") == 0
    first = study_of(out).trials
    assert run(suite_file, out, "--methods", "tlearner-ridge", "--trials", "2", "--force") == 0
    second = study_of(out).trials
    assert len(second) == 2 and second[0].datetime_start > first[-1].datetime_complete
    assert [t.params for t in second] == [t.params for t in first]  # same seed, same choices


def test_failed_cells_are_retried_and_skipped_cells_kept(suite_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    ridge = discover().get("tlearner-ridge")

    def broken(self, *args, **kwargs):
        raise RuntimeError("the solver broke")

    monkeypatch.setattr(ridge, "_fit", broken)
    assert run(suite_file, out, "--trials", "0") == 1
    err = capsys.readouterr().err
    assert "error: tiny__tiny__tlearner-ridge__seed0: RuntimeError: the solver broke" in err
    assert "skipped: tiny__tiny__rlearner-duality__seed0" in err
    assert "Traceback" not in err
    assert "Traceback" in (out / "cells" / f"{TUNED_KEY}.err").read_text()
    assert "the solver broke" in (out / "run.log").read_text()
    skipped = out / "cells" / "tiny__tiny__rlearner-duality__seed0.parquet"
    skipped_written = skipped.stat().st_mtime_ns

    assert run(suite_file, out, "--trials", "0", "--methods", "random") == 1  # the folder still has a failure
    monkeypatch.undo()
    assert run(suite_file, out, "--trials", "0") == 0
    results = pd.read_parquet(out / "results.parquet")
    assert set(results.loc[results["method"] == "tlearner-ridge", "status"]) == {"ok"}
    assert skipped.stat().st_mtime_ns == skipped_written
    assert not (out / "cells" / f"{TUNED_KEY}.err").exists()
    assert "the solver broke" not in (out / "summary.md").read_text()


@pytest.mark.parametrize("folder", ["cells", "predictions", "curves"])
def test_truncated_files_are_recomputed(suite_file, tmp_path, folder):
    out = tmp_path / "run"
    assert run(suite_file, out, "--trials", "0") == 0
    expected = stable(pd.read_parquet(out / "results.parquet"))
    damaged = out / folder / f"{TUNED_KEY}.parquet"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])

    assert run(suite_file, out, "--trials", "0") == 0
    assert "2 already finished, 1 to compute" in (out / "run.log").read_text()
    pd.read_parquet(damaged)  # whole again
    pd.testing.assert_frame_equal(stable(pd.read_parquet(out / "results.parquet")), expected)
    assert main(["report", "--runs", str(out), "--out", str(tmp_path / "paper")]) == 0


def test_a_second_runner_on_the_same_folder_is_refused(suite_file, tmp_path, capsys):
    out = tmp_path / "run"
    with exclusive(out):
        assert run(suite_file, out, "--trials", "0") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"run folder {out} is in use by another run (pid {os.getpid()})" in err
    assert not (out / "cells").exists()


def test_a_killed_runner_leaves_no_lock_behind(suite_file, tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from pathlib import Path\nfrom benchmarks.store import exclusive\n"
         f"with exclusive(Path({str(out)!r})):\n"
         "    print('held', flush=True)\n    import time; time.sleep(600)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    assert run(suite_file, out, "--trials", "0", "--methods", "random") == 0


def test_storage_schema_is_made_once_before_workers(suite_file, tmp_path):
    from benchmarks.plan import cells_of, resolve_suite

    out = tmp_path / "run"
    out.mkdir()
    cells = cells_of(resolve_suite(str(suite_file)), discover())
    prepare(cells, ResultsStore(out), f"sqlite:///{out / 'optuna.db'}", force=False)
    tables = sqlite3.connect(out / "optuna.db").execute("select name from sqlite_master").fetchall()
    assert ("studies",) in tables and ("alembic_version",) in tables


def test_parallel_run_on_a_fresh_folder_tunes_every_cell_and_ends_with_its_last_cell(suite_file, tmp_path):
    out = tmp_path / "run"
    # causalml's R-learner cross-fits with joblib (n_jobs=-1): its idle loky workers kept the pool's
    # workers, and so the run, alive five minutes after the last cell
    methods = "tlearner-ridge,rlearner-duality,rlearner-lgbm"
    args = ["run", "--suite", str(suite_file), "--out", str(out), "--methods", methods]
    args += ["--jobs", "2", "--seeds", "1", "--trials", "2"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=ROOT, capture_output=True, text=True
    )
    ended = datetime.now()
    assert result.returncode == 0, result.stderr
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["status"]) == {"ok", "skipped"}
    assert all(
        len(study_of(out, f"tiny__tiny__{m}__seed0").trials) == 2 for m in ("tlearner-ridge", "rlearner-lgbm")
    )
    last_cell = max(
        datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
        for line in (out / "run.log").read_text().splitlines()
        if " benchmarks.run: tiny__" in line
    )
    lag = (ended - last_cell).total_seconds()
    assert lag < 60, f"the run ended {lag:.0f} s after its last cell"
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


def test_loky_executors_are_shut_down():
    from joblib import Parallel, delayed
    from joblib.externals.loky import reusable_executor

    assert Parallel(n_jobs=2, backend="loky")(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]
    executor = reusable_executor._executor
    assert executor is not None and executor._processes
    shut_down_loky()
    assert not any(p.is_alive() for p in executor._processes.values()) and not executor._processes
