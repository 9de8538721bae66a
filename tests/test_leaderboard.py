"""Leaderboards and Friedman tests: the statistics against scipy and a hand-made Holm adjustment, a user's
run ranked beside the reference runs with its rows marked, and paper/ never overwritten with another view."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks import report
from benchmarks.cli import main
from benchmarks.report import leaderboard
from tests.test_report_html import cell_rows, tiny_results


def rows_of(values: dict[str, list[float]], source: str = "results/toy", reference: bool = True, dataset="d"):
    """Result rows of one suite and dataset, one per (method, seed), from a run folder."""
    return pd.DataFrame(
        [
            {**cell_rows("toy", dataset, method, seed, value, 1000), "source": source, "reference": reference}
            for method, per_seed in values.items()
            for seed, value in enumerate(per_seed)
            if not np.isnan(value)
        ]
    )


def test_a_leaderboard_ranks_by_mean_and_tests_each_method_against_the_best_over_shared_seeds():
    reference = rows_of(
        {"a": [0.50, 0.52, 0.55, 0.51], "b": [0.40, 0.47, 0.41, 0.45], "c": [0.1, 0.3, 0.2, 0.25]}
    )
    mine = rows_of({"mine": [0.49, 0.50, np.nan, np.nan]}, source="runs/mine", reference=False)
    frame = leaderboard.leaderboard(pd.concat([reference, mine]), "qini", "sklift", "visit")
    assert frame["method"].tolist() == ["a", "mine", "b", "c"] and frame["rank"].tolist() == [1, 2, 3, 4]
    assert frame["yours"].tolist() == [False, True, False, False]
    assert frame["run"].tolist()[:2] == ["results/toy (reference)", "runs/mine (yours)"]
    a = np.array([0.50, 0.52, 0.55, 0.51])
    for method, values, seeds in (("b", [0.40, 0.47, 0.41, 0.45], 4), ("mine", [0.49, 0.50], 2)):
        row = frame.set_index("method").loc[method]
        assert row["shared seeds"] == seeds and row["n"] == seeds
        assert row["difference to best"] == pytest.approx(np.mean(np.array(values) - a[:seeds]))
        assert row["p"] == pytest.approx(stats.ttest_rel(values, a[:seeds]).pvalue)
    p = frame.set_index("method")["p"].drop("a").sort_values()  # Holm by hand: (m - i) p, running maximum
    holm = np.minimum(1, np.maximum.accumulate(p.to_numpy() * np.arange(len(p), 0, -1)))
    assert frame.set_index("method").loc[p.index, "p (Holm)"].to_numpy() == pytest.approx(holm)
    assert np.isnan(frame["p"].iloc[0]) and frame["difference to best"].iloc[0] == 0.0
    shown = leaderboard.shown(frame)
    assert shown["method"].tolist()[1] == "mine (yours)" and shown["p"].iloc[0] == "-"


def test_friedman_over_blocks_leaves_out_methods_missing_in_a_block_and_draws_its_diagram(tmp_path):
    values = {"a": [0.9, 0.8, 0.7, 0.95], "b": [0.5, 0.6, 0.4, 0.55], "c": [0.1, 0.65, 0.2, 0.3]}
    blocks = [
        rows_of(
            {m: [v[i]] * 2 for m, v in values.items()} | ({"d": [1.0, 1.0]} if i else {}), dataset=f"d{i}"
        )
        for i in range(4)
    ]
    [test] = leaderboard.friedman_tests(pd.concat(blocks))
    assert test.name == "toy" and test.left_out == ["d"] and len(test.matrix) == 4
    expected = stats.friedmanchisquare(*(values[m] for m in ("a", "b", "c")))
    assert test.statistic == pytest.approx(expected.statistic) and test.p == pytest.approx(expected.pvalue)
    assert test.ranks.to_dict() == pytest.approx({"a": 1.0, "b": 2.25, "c": 2.75})
    table = leaderboard.friedman_table(test)
    assert table["method"].tolist() == ["a", "b", "c"] and table["blocks won"].tolist() == [4, 0, 0]
    assert any("Left out (not run in every block): d." in note for note in leaderboard.friedman_notes(test))
    png, pdf = leaderboard.critical_difference(test, tmp_path)
    assert png.stat().st_size > 10_000 and pdf.is_file()
    assert leaderboard.friedman_tests(pd.concat(blocks[:2])) == []  # too few blocks


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout's layout in tmp_path: results/tiny (the reference run), a committed paper/ and runs/mine
    (a user's method on the reference's suite and dataset); the working folder is tmp_path."""
    reference = tmp_path / "results" / "tiny"
    reference.mkdir(parents=True)
    tiny_results().to_parquet(reference / "results.parquet")
    mine = tmp_path / "runs" / "mine"
    mine.mkdir(parents=True)
    pd.DataFrame([cell_rows("toy", "small", "brand-new", s, 0.5, 2400) for s in range(3)]).to_parquet(
        mine / "results.parquet"
    )
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "index.html").write_text("the committed report")
    monkeypatch.setattr(report, "REFERENCE_DIR", (tmp_path / "results").resolve())
    monkeypatch.setattr(report, "PAPER_DIR", paper.resolve())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_users_run_is_reported_beside_the_reference_in_runs_report_and_paper_is_untouched(checkout, capsys):
    before = {p: p.read_bytes() for p in (checkout / "paper").rglob("*")}
    assert main(["report", "--runs", "runs/mine"]) == 0
    assert {p: p.read_bytes() for p in (checkout / "paper").rglob("*")} == before
    out = checkout / "runs" / "report"
    index = (out / "index.html").read_text()
    assert "runs/mine" in index and "results/tiny" in index and "reference (committed)" in index
    assert '<tr class="yours">' in index and "brand-new (yours)" in index  # your rows, marked
    page = (out / "toy.html").read_text()
    assert page.count('<tr class="yours">') == 1 and "tlearner-lgbm" in page  # ranked among the reference
    board = (out / "tables" / "leaderboard-toy.md").read_text()
    assert "brand-new (yours)" in board
    assert "results/tiny (reference)" in board and "runs/mine (yours)" in board
    capsys.readouterr()

    assert main(["report", "--runs", "runs/mine", "--out", "paper"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and "runs/report" in err
    assert {p: p.read_bytes() for p in (checkout / "paper").rglob("*")} == before


def test_every_reference_run_alone_goes_to_paper_by_default(checkout):
    assert main(["report", "--runs", "results/*"]) == 0
    assert "the committed report" not in (checkout / "paper" / "index.html").read_text()
    assert not (checkout / "runs" / "report").exists()
    assert os.path.isfile(checkout / "paper" / "tables" / "leaderboard-toy.md")


def test_no_reference_leaves_the_reference_runs_out(checkout):
    assert main(["report", "--runs", "runs/mine", "--no-reference", "--out", "mine-only"]) == 0
    index = (checkout / "mine-only" / "index.html").read_text()
    assert "runs/mine" in index and "results/tiny" not in index and "tlearner-lgbm" not in index
