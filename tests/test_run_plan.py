"""Run control before the first cell: bad suite values refused up front, `run --plan` (no computation, no
folder), every missing data file at once, --skip-missing-data, the cost estimate and the weighted bar."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import suites
from benchmarks.cli import main
from benchmarks.estimate import Estimator, wall_seconds
from benchmarks.plan import cells_of, resolve_suite
from benchmarks.progress import CellProgress
from benchmarks.state import FAILED, FINISHED, NO_DATA, TO_COMPUTE, cell_states
from benchmarks.store import ResultsStore
from methods.core.registry import discover

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = """
[[datasets]]
name = "synthetic"
options = { n_rows = 1000, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 1 }
"""
GOOD = f"""
seeds = 2
trials = 0
{SYNTHETIC}
[[methods]]
name = "random"

[[methods]]
name = "tlearner-ridge"
"""
MISSING = """
[[datasets]]
name = "covertype"

[[datasets]]
name = "census1990"
"""


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD + 'params = { alpha = "big" }\n',
            "method tlearner-ridge, parameter `alpha` must be a number, got 'big'",
        ),
        (
            GOOD.replace('"random"', '"tarnet"\nparams = { max_epochs = "ten" }'),
            "method tarnet, parameter `max_epochs` must be an integer, got 'ten'",
        ),
        (
            GOOD.replace('"random"', '"tarnet"\nparams = { max_epochs = -3 }'),
            "method tarnet, parameter `max_epochs` must be at least 1, got -3",
        ),
        (
            GOOD.replace('"random"', '"tarnet"\nparams = { dropout = -0.5 }'),
            "method tarnet, parameter `dropout` must be at least 0, got -0.5",
        ),
        (
            GOOD.replace("n_rows = 1000", 'n_rows = "many"'),
            "dataset synthetic, parameter `n_rows` must be an integer",
        ),
        (
            GOOD.replace("n_rows = 1000", "n_rows = 0"),
            "dataset synthetic, parameter `n_rows` must be at least 1",
        ),
        (
            GOOD.replace("n_rows = 1000", "n_rowz = 10"),
            "dataset synthetic has no option `n_rowz`; valid: n_rows",
        ),
        (
            GOOD.replace('"synthetic"', '"synthetic"\nmax_rows = -5'),
            "`datasets[0].max_rows` must not be negative",
        ),
        (
            GOOD.replace('"random"', '"causal-forest"\nparams = { ratio = "log" }'),
            "method causal-forest, parameter `ratio` must be one of 'plain', 'relu', got 'log'",
        ),
        (
            GOOD.replace('"random"', '"causal-forest"\nrankings = { cf-bad = { ratio = "log" } }'),
            "method causal-forest, parameter `ratio` must be one of 'plain', 'relu', got 'log'",
        ),
        ("methods = []\n" + GOOD.split("[[methods]]")[0], "`methods` is empty"),
        ("datasets = []\n", "`datasets` is empty"),
    ],
)
def test_bad_values_are_refused_before_any_cell_naming_file_and_parameter(text, message, tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(text)
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "out")]) == 2
    err = one_line(capsys)
    assert f"suite file {suite}" in err and message in err
    assert not (tmp_path / "out").exists()


def test_a_declared_range_replaces_the_evident_sign(tmp_path):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD.replace('"random"', '"uplift-forest"\nparams = { n_jobs = -1 }'))
    assert len(cells_of(resolve_suite(str(suite)), discover())) == 4


def test_a_data_dir_that_does_not_exist_is_refused(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD)
    absent = tmp_path / "nowhere"
    assert main(["run", "--suite", str(suite), "--data-dir", str(absent), "--out", str(tmp_path / "o")]) == 2
    assert f"--data-dir {absent} is not a folder" in one_line(capsys)


def test_every_missing_file_is_listed_at_once_and_nothing_is_created(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD + MISSING)
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "out")]) == 2
    err = one_line(capsys)
    assert "2 data file(s) missing" in err and "--skip-missing-data" in err
    for name, address in (
        ("covtype.data", "covertype.zip"),
        ("USCensus1990.data.txt", "census+data+1990.zip"),
    ):
        assert name in err and address in err
    assert not (tmp_path / "out").exists()


def test_skip_missing_data_runs_the_rest_and_records_data_not_available(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD + MISSING)
    out = tmp_path / "out"
    assert main(["run", "--suite", str(suite), "--out", str(out), "--skip-missing-data"]) == 0
    captured = capsys.readouterr()
    assert "4 finished, 0 skipped, 0 failed, 8 data not available, 0 to compute" in captured.out
    cells = pd.read_parquet(out / "results.parquet").drop_duplicates(["dataset", "method", "seed"])
    statuses = cells.groupby("dataset")["status"].agg(set).to_dict()
    assert statuses == {"synthetic": {"ok"}, "covertype": {"unavailable"}, "census1990": {"unavailable"}}
    assert "data not available" in (out / "summary.md").read_text()
    assert "no data" in captured.out
    # the plan of the same folder agrees: the synthetic cells finished, the others without data
    assert main(["run", "--suite", str(suite), "--out", str(out), "--plan"]) == 0
    assert (
        "12 cells: 4 finished, 0 skipped, 0 failed, 8 data not available, 0 to compute"
        in capsys.readouterr().out
    )


def test_plan_computes_nothing_creates_nothing_and_agrees_with_resume(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD)
    out = tmp_path / "out"
    assert main(["run", "--suite", str(suite), "--out", str(out), "--plan"]) == 0
    text = capsys.readouterr().out
    assert not out.exists()
    assert "4 cells: 0 finished, 0 skipped, 0 failed, 0 data not available, 4 to compute" in text
    assert "estimate for the 4 cells to compute" in text
    assert main(["run", "--suite", str(suite), "--out", str(out)]) == 0
    capsys.readouterr()
    store = ResultsStore(out)
    cells = cells_of(resolve_suite(str(suite)), discover())
    failed, damaged = cells[0], cells[1]
    rows = pd.read_parquet(store.cells / f"{failed.key}.parquet").head(1).assign(status="error", reason="x")
    store.save(failed.key, rows, None, None, "traceback")
    (store.cells / f"{damaged.key}.parquet").write_bytes(b"PAR1 cut short")
    states = cell_states(cells, store)
    assert [states[c.key] for c in cells] == [FAILED, TO_COMPUTE, FINISHED, FINISHED]
    assert cell_states(cells, store, missing={cells[2].data_key})[cells[0].key] == NO_DATA
    before = {c.key: (store.cells / f"{c.key}.parquet").stat().st_mtime_ns for c in cells[2:]}
    assert main(["run", "--suite", str(suite), "--out", str(out), "--plan"]) == 0
    assert "2 finished, 0 skipped, 1 failed, 0 data not available, 1 to compute" in capsys.readouterr().out
    assert main(["run", "--suite", str(suite), "--out", str(out)]) == 0
    assert all(state == FINISHED for state in cell_states(cells, store).values())
    assert before == {c.key: (store.cells / f"{c.key}.parquet").stat().st_mtime_ns for c in cells[2:]}


def test_all_holds_every_suite_with_a_table_or_a_verdict():
    spec = tomllib.loads((ROOT / "benchmarks" / "report" / "paper_numbers.toml").read_text())
    tabled = {column["suite"] for table in spec["table"] for column in table["columns"] if "suite" in column}
    verdicts = {"synthetic-recovery", "synthetic-mtmt", "hcl-ablation"}  # the recovery check, a claim, bars
    assert tabled and tabled | verdicts <= set(suites.load("all").include)


def test_the_estimate_scales_by_rows_and_counts_tuning_trials(tmp_path):
    registry = discover()
    [cell] = cells_of(suites.load("smoke"), registry, methods=["tlearner-lgbm"], dataset_names=["hillstrom"])
    n_train = int(cell.max_rows * cell.split[0])
    recorded = {"fit_seconds": 10.0, "predict_seconds": 0.0, "n_train": n_train}
    reference = {"suite": "smoke", "dataset": cell.dataset, "method": cell.method, "status": "ok", **recorded}
    (tmp_path / "smoke").mkdir()
    pd.DataFrame(
        [{**reference, "seed": s, "tune_seconds": 3.0 * s, "tune_trials": s} for s in (1, 2, 3)]
    ).to_parquet(tmp_path / "smoke" / "results.parquet")
    estimator = Estimator(registry, tmp_path)
    assert estimator.seconds(cell) == pytest.approx(10 + cell.trials * 3)  # fit, plus 3 s per trial
    assert estimator.seconds(dataclasses.replace(cell, trials=cell.trials + 4)) == pytest.approx(
        10 + (cell.trials + 4) * 3
    )
    half = dataclasses.replace(cell, max_rows=cell.max_rows // 2)
    assert estimator.seconds(half) == pytest.approx((10 + cell.trials * 3) / 2)
    other = dataclasses.replace(cell, method_name="tlearner-ridge")
    assert estimator.seconds(other) is None
    old = pd.DataFrame([{**reference, "seed": 0}])  # recorded before trial timings: a trial costs a fit
    old.to_parquet(tmp_path / "smoke" / "results.parquet")
    assert Estimator(registry, tmp_path).seconds(cell) == pytest.approx(10 * (1 + cell.trials))


def test_wall_time_starts_each_cell_on_the_first_free_process():
    assert wall_seconds([10, 1, 1, 1], 1) == 13
    assert wall_seconds([10, 1, 1, 1], 2) == 10
    assert wall_seconds([1, 1, 1, 10], 2) == 11


def test_tuning_trials_are_timed_in_the_results(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD.replace("seeds = 2\ntrials = 0", "seeds = 1\ntrials = 2"))
    out = tmp_path / "out"
    assert main(["run", "--suite", str(suite), "--out", str(out), "--methods", "tlearner-ridge"]) == 0
    cell = pd.read_parquet(out / "results.parquet").iloc[0]
    assert cell["tune_trials"] == 2 and cell["tune_seconds"] > 0


def test_the_bar_advances_by_expected_seconds_and_shows_the_estimate_at_once():
    cells = cells_of(resolve_suite("smoke"), discover(), methods=["random"])
    small, large = cells
    with CellProgress(cells, cells, {small.key: 1.0, large.key: 99.0}, workers=1) as bar:
        assert bar.format_dict["rate"] == 1.0  # before any cell ends: the estimate, 100 s left
        assert "01:40" in str(bar)
        bar.advance(small)
        assert bar.n == 1.0 and bar.total == 100.0 and "1/2 cells" in str(bar)
        assert bar.format_dict["rate"] == 1.0 and "01:39" in str(bar)  # one instant cell: still the estimate


def test_after_a_minute_of_expected_work_the_bar_shows_the_measured_average_rate():
    cells = cells_of(resolve_suite("smoke"), discover(), methods=["random"])
    small, large = cells
    with CellProgress(cells, cells, {small.key: 90.0, large.key: 90.0}, workers=1) as bar:
        bar.advance(small)
        bar.start_t -= 180  # its 90 expected seconds took 3 minutes: half the expected speed
        assert bar.format_dict["rate"] is None  # tqdm's average since the start, not the estimate
        assert "03:00<03:00" in str(bar)


def test_a_cell_without_its_data_never_hides_the_same_cell_measured_elsewhere(tmp_path):
    from benchmarks.report import load_results

    measured = tmp_path / "measured"
    mine = tmp_path / "mine"
    rows = pd.DataFrame(
        [
            {
                "suite": "s",
                "dataset": "d",
                "method": m,
                "seed": 0,
                "status": "ok",
                "metric": "qini",
                "value": 0.1,
            }
            for m in ("a", "b")
        ]
    )
    for folder, frame in (
        (measured, rows),
        (mine, rows.assign(status=["unavailable", "ok"], value=[None, 0.2])),
    ):
        folder.mkdir()
        frame.to_parquet(folder / "results.parquet")
    results = load_results([measured, mine]).set_index("method")
    assert results.loc["a", "status"] == "ok" and results.loc["a", "source"] == str(measured)
    assert results.loc["b", "value"] == 0.2  # a later folder's measured cell still wins
