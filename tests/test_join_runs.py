"""scripts/join_runs.py: a run folder's cells added to a committed results folder without its cell files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def join_runs():
    spec = importlib.util.spec_from_file_location("join_runs", ROOT / "scripts" / "join_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(method: str, seeds, value: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"suite": "hillstrom-quick", "dataset": "hillstrom", "method": method, "seed": s,
             "arm": "mean", "outcome": "visit", "metric": "qini", "variant": "sklift", "value": value,
             "status": "ok", "reason": ""}
            for s in seeds
        ]
    )  # fmt: skip


def test_the_runs_cells_replace_the_same_cells_and_join_the_others(tmp_path):
    committed, run = tmp_path / "results", tmp_path / "run"
    committed.mkdir(), run.mkdir()
    pd.concat([rows("tarnet", [0, 1], 0.04), rows("mtmt", [0], 0.03)]).to_parquet(
        committed / "results.parquet"
    )
    (committed / "run.log").write_text("old log\n")
    pd.concat([rows("mtmt", [0], 0.05), rows("difference-in-means", [0, 1], 0.0)]).to_parquet(
        run / "results.parquet"
    )
    (run / "run.log").write_text("new log\n")
    join_runs().join(run, committed)
    joined = pd.read_parquet(committed / "results.parquet")
    values = joined.set_index(["method", "seed"])["value"]
    assert len(joined) == 5 and values[("mtmt", 0)] == 0.05 and values[("tarnet", 1)] == 0.04
    summary = (committed / "summary.md").read_text()
    assert "difference-in-means" in summary and "0.0400" in summary
    assert (committed / "run.log").read_text() == "old log\nnew log\n"
