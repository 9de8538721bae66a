"""The commit and dirty flag results record: code not in the commit (an untracked method) is dirty."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from benchmarks import cell as cell_module
from benchmarks.environment import git_state
from benchmarks.plan import Cell


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path):
    (tmp_path / "methods").mkdir()
    (tmp_path / "methods" / "ridge.py").write_text("A = 1\n")
    (tmp_path / "README.md").write_text("readme\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    git_state.cache_clear()
    yield tmp_path
    git_state.cache_clear()


def test_a_clean_checkout_is_clean_and_names_its_commit(checkout):
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True, text=True
    ).stdout.strip()
    assert git_state(checkout) == (head, False)


def test_an_untracked_method_file_makes_it_dirty(checkout):
    (checkout / "methods" / "new_method.py").write_text("B = 2\n")
    assert git_state(checkout).dirty


def test_a_modified_method_file_makes_it_dirty(checkout):
    (checkout / "methods" / "ridge.py").write_text("A = 2\n")
    assert git_state(checkout).dirty


def test_run_folders_and_docs_do_not_make_it_dirty(checkout):
    (checkout / "runs").mkdir()
    (checkout / "runs" / "results.parquet").write_text("x")
    (checkout / "README.md").write_text("edited\n")
    assert not git_state(checkout).dirty


def test_outside_a_checkout_the_commit_is_unknown_and_counted_dirty(tmp_path):
    assert git_state(tmp_path) == ("unknown", True)


def test_every_result_row_records_the_commit_and_the_dirty_flag():
    cell = Cell(
        suite="s", dataset="synthetic", dataset_name="synthetic", dataset_options={"n_rows": 600},
        max_rows=0, method="random", method_name="random", params={}, tune=False, seed=0, trials=0,
        split=(0.6, 0.2, 0.2), kind="effect",
    )  # fmt: skip
    rows = cell_module.run_cell(cell, None, "sqlite:///:memory:").rows
    assert {"git_commit", "git_dirty"} <= set(rows.columns)
    assert rows["git_dirty"].map(type).eq(bool).all() and rows["git_commit"].ne("").all()


def test_a_binary_only_method_is_skipped_before_tuning(monkeypatch):
    def no_tuning(*args, **kwargs):
        raise AssertionError("tuned a method that cannot serve the data")

    monkeypatch.setattr(cell_module, "tune", no_tuning)
    cell = Cell(
        suite="s", dataset="synthetic", dataset_name="synthetic",
        dataset_options={"n_rows": 600, "with_cost": True}, max_rows=0, method="uplift-tree",
        method_name="uplift-tree", params={}, tune=True, seed=0, trials=3, split=(0.6, 0.2, 0.2), kind="cost",
    )  # fmt: skip
    rows, predictions, curves, _ = cell_module.run_cell(cell, None, "sqlite:///:memory:")
    assert predictions is None and curves is None and isinstance(rows, pd.DataFrame)
    assert rows["status"].tolist() == ["skipped"] and "binary outcomes only" in rows["reason"][0]
