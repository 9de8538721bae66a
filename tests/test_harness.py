"""The harness end to end: resuming after SIGKILL, determinism, clear errors for bad names and data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.cli import main
from tests.suite_runs import VOLATILE

ROOT = Path(__file__).resolve().parent.parent

SUITE = """
kind = "effect"
seeds = 2
trials = 1

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 3000, n_arms = 2, n_outcomes = 1, n_features = 6, seed = 3 }

[[methods]]
name = "random"

[[methods]]
name = "slearner-lgbm"

[[methods]]
name = "tlearner-lgbm"

[[methods]]
name = "rlearner-value"
"""


@pytest.fixture
def suite_file(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(SUITE)
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def stable(results: pd.DataFrame) -> pd.DataFrame:
    keys = ["dataset", "method", "seed", "arm", "outcome", "metric", "variant"]
    return results.drop(columns=VOLATILE).sort_values(keys, na_position="first").reset_index(drop=True)


def test_killed_run_resumes_to_the_uninterrupted_result(suite_file, tmp_path):
    whole = run_cli("run", "--suite", str(suite_file), "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks", "run", "--suite", str(suite_file), "--out", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.time() + 300
    while time.time() < deadline and len(list((out / "cells").glob("*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = len(list((out / "cells").glob("*.parquet")))
    assert 2 <= done_before < 8, "the kill should land part-way through the eight cells"

    resumed = run_cli("run", "--suite", str(suite_file), "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} already finished" in (out / "run.log").read_text()

    expected = stable(pd.read_parquet(tmp_path / "whole" / "results.parquet"))
    got = stable(pd.read_parquet(out / "results.parquet"))
    assert not got.duplicated(["method", "seed", "arm", "outcome", "metric", "variant"]).any()
    pd.testing.assert_frame_equal(got, expected)
    assert sorted(p.name for p in (out / "predictions").iterdir()) == sorted(
        p.name for p in (tmp_path / "whole" / "predictions").iterdir()
    )


def test_same_seed_gives_identical_metrics_and_force_recomputes(suite_file, tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--suite", str(suite_file), "--out", str(out), "--methods", "tlearner-lgbm"]) == 0
    first = stable(pd.read_parquet(out / "results.parquet"))
    assert (
        main(["run", "--suite", str(suite_file), "--out", str(out), "--methods", "tlearner-lgbm", "--force"])
        == 0
    )
    second = stable(pd.read_parquet(out / "results.parquet"))
    pd.testing.assert_frame_equal(first, second)
    assert (first["status"] == "ok").all() and first["value"].notna().any()
    assert (out / "summary.md").read_text().count("tlearner-lgbm") >= 1


def test_a_registered_method_the_suite_does_not_list_runs_by_name(suite_file, tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--suite",
                str(suite_file),
                "--out",
                str(out),
                "--methods",
                "xlearner-lgbm",
                "--seeds",
                "1",
            ]
        )
        == 0
    )
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["method"]) == {"xlearner-lgbm"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--suite", "no-such-suite"], "unknown suite 'no-such-suite'; valid names: all,"),
        (["--suite", "smoke", "--methods", "no-such-method"], "unknown method no-such-method"),
        (
            ["--suite", "smoke", "--datasets", "no-such-data"],
            "unknown dataset no-such-data in this suite; valid",
        ),
    ],
)
def test_unknown_names_give_one_line_and_exit_2(args, message, tmp_path, capsys):
    assert main(["run", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err


def test_missing_data_gives_the_dataset_error_and_exit_2(tmp_path):
    result = run_cli(
        "run", "--suite", "hcl-census", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "USCensus1990.data.txt" in lines[0], result.stderr
    assert not (tmp_path / "o" / "cells").exists()
