"""scripts/backfill_curves.py gives a run stored before cells kept curve points the points a cell computes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

from benchmarks.cli import main

ROOT = Path(__file__).resolve().parents[1]
SUITE = """
description = "backfill test"
kind = "effect"
seeds = 2
trials = 0

[[datasets]]
name = "synthetic"
options = { n_rows = 1500, n_arms = 2, n_outcomes = 1, n_features = 5, seed = 3 }

[[methods]]
name = "tlearner-lgbm"
params = { n_estimators = 20 }

[[methods]]
name = "random"
"""


def test_backfilled_curve_points_equal_those_the_cells_stored(tmp_path):
    suite, out = tmp_path / "tiny.toml", tmp_path / "run"
    suite.write_text(SUITE)
    assert main(["run", "--suite", str(suite), "--out", str(out)]) == 0
    stored = pd.read_parquet(out / "curves.parquet")
    for path in (out / "curves").glob("*.parquet"):  # as a run from before curve points were kept
        path.unlink()
    (out / "curves.parquet").unlink()
    script = [sys.executable, str(ROOT / "scripts" / "backfill_curves.py"), str(out), "--suite", str(suite)]
    done = subprocess.run(script, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "curve points for 4 cell(s)" in done.stdout
    assert len(stored) and stored["curve"].eq("qini").all()
    assert_frame_equal(pd.read_parquet(out / "curves.parquet"), stored)


def test_a_folder_without_cells_is_refused_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "backfill_curves.py"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
