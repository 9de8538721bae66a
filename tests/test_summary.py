"""The end-of-run terminal table: it reads at 100 columns and puts the committed reference run beside ours."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import summary
from benchmarks.cli import main
from benchmarks.summary import WIDTH, terminal_table

LONG = "my-own-uplift-model-with-a-label-far-longer-than-any-terminal-column-should-hold"


def results(values: dict[str, list[float]], dataset: str = "hillstrom") -> pd.DataFrame:
    rows = [
        dict(
            suite="quick",
            dataset=dataset,
            method=method,
            seed=seed,
            split="test",
            status="ok",
            arm=arm,
            outcome="visit",
            metric="qini",
            variant="sklift",
            value=value + (0.01 if arm == "1" else 0.0),
            reason="",
        )  # fmt: skip
        for method, per_seed in values.items()
        for seed, value in enumerate(per_seed)
        for arm in ("mean", "1")
    ]
    return pd.DataFrame(rows)


def test_the_table_fits_100_columns_and_ranks_the_runs_methods_among_the_reference_runs():
    ours = pd.concat(
        [
            results({LONG: [0.041, 0.043, 0.045], "tarnet": [-0.051, -0.052, -0.053], "random": [0.0] * 3}),
            results({"tarnet": [0.02, 0.03, 0.04]}, dataset="synthetic-with-a-long-dataset-label-too"),
        ]
    )
    skipped = results({"drm": [0.0]}).assign(status="skipped", value=float("nan"), reason="one arm only")
    reference = results(
        {
            LONG: [0.031, 0.033, 0.035],
            "random": [0.001] * 3,
            "xlearner": [0.05, 0.06, 0.07],
            "slearner": [-0.2] * 3,
        }
    )
    text = terminal_table(pd.concat([ours, skipped]), {"quick": "effect"}, reference, "results/quick/")
    lines = text.splitlines()
    assert max(map(len, lines)) <= WIDTH, text
    header = next(line for line in lines if line.startswith("method"))
    assert header.split() == ["method", "run", "qini", "±", "95%", "interval", "rank", "reference", "run"]
    mine = next(line for line in lines if line.startswith(LONG[:20]))
    assert "0.0430 ± 0.0050 (n=3)" in mine and "0.0330 ± 0.0050 (n=3)" in mine  # ours, then the reference
    first = lines.index(header) + 2
    rows = [line.split() for line in lines[first : first + 6]]
    # the reference's other methods are ranked with ours: the new method is 2nd of 5, not 1st of 3
    assert rows[0][:2] == ["xlearner", "ref"] and rows[0][-3:] == ["1", "of", "5"]
    assert rows[1][:2] == [LONG[:31] + "…", "yours"] and rows[1][6:9] == ["2", "of", "5"]
    assert (
        rows[2][:7] == ["random", "yours", "0.0000", "±", "0.0000", "(n=3)", "3"] and rows[2][9] == "0.0010"
    )
    assert rows[3][:3] == ["tarnet", "yours", "-0.0520"] and rows[3][6:] == [
        "4",
        "of",
        "5",
        "-",
    ]  # arms' mean
    assert rows[4][:2] == ["slearner", "ref"] and rows[4][-3:] == ["5", "of", "5"]
    assert rows[5] == ["drm", "yours", "skipped", "-", "-"]
    other = lines.index(next(line for line in lines if line.startswith("quick · synthetic-with"))) + 3
    assert lines[other].split()[-4:] == ["1", "of", "1", "-"]  # the reference run has no such dataset
    assert "results/quick/" in lines[-1]


def test_without_a_reference_there_is_no_reference_column():
    text = terminal_table(results({"tarnet": [0.01, 0.02, 0.03]}), {}, None)
    assert "reference" not in text and "0.0200 ± 0.0248 (n=3)" in text


SUITE = """
kind = "effect"
seeds = 3
trials = 0

[[datasets]]
name = "synthetic"
label = "tiny"
options = { n_rows = 2000, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 3 }

[[methods]]
name = "tlearner-ridge"
label = "%s"

[[methods]]
name = "random"
"""


def test_run_prints_the_reference_runs_value_beside_ours(tmp_path, monkeypatch, capsys):
    """`run` looks for results/<suite>/ (the committed reference runs) and prints its values beside ours;
    a run into that very folder prints no reference column."""
    (tmp_path / "quick.toml").write_text(SUITE % LONG)
    reference = tmp_path / "results" / "quick"
    monkeypatch.setattr(summary, "REFERENCE_DIR", tmp_path / "results")
    assert main(["run", "--suite", str(tmp_path / "quick.toml"), "--out", str(reference)]) == 0
    assert "reference run" not in capsys.readouterr().out
    committed = pd.read_parquet(reference / "results.parquet")
    committed["value"] = committed["value"] + 1.0  # a reference that differs from ours, to tell them apart
    committed.to_parquet(reference / "results.parquet")
    assert main(["run", "--suite", str(tmp_path / "quick.toml"), "--out", str(tmp_path / "mine")]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines() if not line.startswith("run folder:")) <= WIDTH, out
    assert f"run folder: {tmp_path / 'mine'}" in out
    row = next(line for line in out.splitlines() if line.startswith(LONG[:20]))
    ours, theirs = (float(part.split()[0]) for part in row[len(LONG[:31]) + 1 :].split("  ") if "±" in part)
    assert theirs == pytest.approx(ours + 1.0, abs=1e-4)
    assert "reference run's other methods (ref): results/quick/" in out
