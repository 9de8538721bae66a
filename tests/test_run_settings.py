"""`run --seeds` picks seeds by count, range or list with today's cell keys; `run --set` changes a method's
parameter, typed by its default, in new cells (labelled by it) whose tuning leaves it as set."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.plan import cells_of, resolve_suite
from methods.core.registry import discover

SUITE = """
kind = "effect"
seeds = 1
trials = 2

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 1200, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 3 }

[[methods]]
name = "tlearner-ridge"

[[methods]]
name = "random"
"""


@pytest.fixture
def suite_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SUITE)
    return path


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


@pytest.mark.parametrize(("text", "seeds"), [("3", [0, 1, 2]), ("3..5", [3, 4, 5]), ("0,3", [0, 3])])
def test_seeds_as_count_range_or_list_keep_the_cell_keys_of_those_seeds(text, seeds, suite_file):
    from benchmarks.overrides import seed_numbers

    suite, registry = resolve_suite(str(suite_file)), discover()
    chosen = cells_of(suite, registry, seeds=seed_numbers(text))
    assert sorted({c.seed for c in chosen}) == seeds
    counted = {c.key for c in cells_of(suite, registry, seeds=max(seeds) + 1)}
    assert {c.key for c in chosen} <= counted
    assert f"tiny__tiny__random__seed{seeds[-1]}" in {c.key for c in chosen}


@pytest.mark.parametrize("text", ["0", "x", "5..3", "-1,2", "1..x"])
def test_bad_seeds_are_refused_with_status_2(text, suite_file, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--suite", str(suite_file), "--seeds", text])
    assert stop.value.code == 2
    assert "--seeds" in capsys.readouterr().err


def test_set_makes_new_cells_with_the_typed_parameter(suite_file):
    from benchmarks.overrides import parse_settings

    registry = discover()
    settings = parse_settings(["tlearner-ridge.alpha=3"], registry)
    assert settings == {"tlearner-ridge": {"alpha": 3.0}} and isinstance(
        settings["tlearner-ridge"]["alpha"], float
    )
    plain = {c.method: c for c in cells_of(resolve_suite(str(suite_file)), registry)}
    changed = {c.method: c for c in cells_of(resolve_suite(str(suite_file)), registry, settings=settings)}
    assert set(changed) == {"tlearner-ridge[alpha=3.0]", "random"}
    cell = changed["tlearner-ridge[alpha=3.0]"]
    assert cell.params == {"alpha": 3.0} and cell.pinned == ("alpha",)
    assert cell.key != plain["tlearner-ridge"].key and changed["random"] == plain["random"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("tlearner-ridge.alpah=3", "method 'tlearner-ridge' has no parameter 'alpah'; valid: alpha"),
        ("no-such-method.alpha=3", "--set no-such-method.alpha=3: unknown method 'no-such-method'"),
        ("tlearner-ridge.alpha=high", "expected a float like the default 1.0, got 'high'"),
        ("tlearner-ridge=3", "--set takes METHOD.PARAM=VALUE"),
        ("mtmt.lr=0.01", "--set names mtmt, which this run does not run"),
    ],
)
def test_bad_settings_give_one_line_and_status_2(setting, message, suite_file, tmp_path, capsys):
    argv = ["run", "--suite", str(suite_file), "--set", setting, "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    assert message in one_error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_a_set_parameter_is_recorded_and_not_tuned(suite_file, tmp_path):
    out = tmp_path / "out"
    argv = ["run", "--suite", str(suite_file), "--methods", "tlearner-ridge", "--seeds", "1..1"]
    assert main([*argv, "--set", "tlearner-ridge.alpha=7", "--out", str(out)]) == 0
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["method"]) == {"tlearner-ridge[alpha=7.0]"} and set(results["seed"]) == {1}
    assert results["tuned"].all()
    assert {json.loads(p)["alpha"] for p in results["params"]} == {7.0}
    assert [p.name for p in (out / "cells").glob("*.parquet")] == [
        "tiny__tiny__tlearner-ridge-alpha=7.0-__seed1.parquet"
    ]
