"""The thread budget of a cell (benchmarks/threads.py): a method's `_fit` runs with its BLAS and OpenMP
libraries and torch limited to the budget, in a serial run too, and the budget is recorded per row."""

from __future__ import annotations

import pandas as pd
import threadpoolctl
import torch

from benchmarks.cli import main
from methods.core.registry import discover

SUITE = """
kind = "effect"
seeds = 1
trials = 0

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 600, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 3 }

[[methods]]
name = "tlearner-lgbm"
"""


def test_a_serial_cell_fits_its_openmp_method_within_the_thread_budget(tmp_path, monkeypatch):
    method = discover().get("tlearner-lgbm")  # LightGBM: OpenMP
    fit, seen = method._fit, []

    def recording(self, *args, **kwargs):
        seen.append(
            (
                [(i["user_api"], i["num_threads"]) for i in threadpoolctl.threadpool_info()],
                torch.get_num_threads(),
            )
        )
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(method, "_fit", recording)
    suite = tmp_path / "threads.toml"
    suite.write_text(SUITE)
    torch_threads = torch.get_num_threads()
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 0
    [(pools, torch_in_fit)] = seen
    assert {api for api, _ in pools} == {"openmp", "blas"}
    assert all(threads == 1 for _, threads in pools) and torch_in_fit == 1
    assert set(pd.read_parquet(tmp_path / "out" / "results.parquet")["threads"]) == {1}
    assert torch.get_num_threads() == torch_threads  # restored after the cell


def test_a_thread_budget_below_one_is_refused(tmp_path, capsys):
    assert main(["run", "--suite", "smoke", "--out", str(tmp_path / "out"), "--threads", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --threads must be at least 1, got 0"
