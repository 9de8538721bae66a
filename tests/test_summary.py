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


def test_the_table_fits_100_columns_ranks_best_first_and_shows_the_reference():
    ours = pd.concat(
        [
            results({LONG: [0.041, 0.043, 0.045], "tarnet": [-0.051, -0.052, -0.053], "random": [0.0] * 3}),
            results({"tarnet": [0.02, 0.03, 0.04]}, dataset="synthetic-with-a-long-dataset-label-too"),
        ]
    )
    skipped = results({"drm": [0.0]}).assign(status="skipped", value=float("nan"), reason="one arm only")
    reference = results({LONG: [0.031, 0.033, 0.035], "random": [0.001] * 3})
    text = terminal_table(pd.concat([ours, skipped]), {"quick": "effect"}, reference, "results/quick/")
    lines = text.splitlines()
    assert max(map(len, lines)) <= WIDTH, text
    header = next(line for line in lines if line.startswith("method"))
    assert "rank" in header and "reference run" in header
    mine = next(line for line in lines if line.startswith(LONG[:20]))
    assert "0.0430 ± 0.0050 (n=3)" in mine and "0.0330 ± 0.0050 (n=3)" in mine  # ours, then the reference
    first = lines.index(header) + 2
    best, chance, worst, skipped_row = (line.split() for line in lines[first : first + 4])
    assert best[0] == LONG[:31] + "…" and best[5] == "1"
    assert chance[:6] == ["random", "0.0000", "±", "0.0000", "(n=3)", "2"] and chance[6] == "0.0010"
    assert worst[:2] == ["tarnet", "-0.0520"] and worst[5:] == ["3", "-"]  # the arms' mean, not arm 1
    assert skipped_row == ["drm", "skipped", "-", "-"]
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
    assert "reference run: results/quick/" in out
