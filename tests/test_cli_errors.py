"""Bad input to the harness gives one line on stderr and exit status 2, never a traceback: malformed suite
files, an --out that is not a writable folder, report on absolute globs and damaged files, `list | head`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = """
seeds = 1

[[datasets]]
name = "synthetic"
options = { n_rows = 1000, n_arms = 1, n_outcomes = 1, n_features = 4, seed = 1 }

[[methods]]
name = "random"
"""


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('name = "random"', 'label = "r"'), "methods[0] has no `name`"),
        (GOOD.replace("seeds = 1", 'seeds = "three"'), "`seeds` must be an integer, got 'three'"),
        ('datasets = "x"\n', "`datasets` must be an array of [[datasets]] tables, got 'x'"),
        (GOOD.replace("seeds = 1", "trails = 4"), "unknown key `trails`; valid keys: description"),
        (
            GOOD.replace('"synthetic"', '"synthetic"\nmax_row = 10'),
            "unknown key `datasets[0].max_row`; valid keys: name, label, options, max_rows",
        ),
        (GOOD.replace('"random"', '"random"\ntuen = false'), "unknown key `methods[0].tuen`"),
        (GOOD.replace("seeds = 1", "trials = -1"), "trials must not be negative"),
        (GOOD.replace("seeds = 1", 'kind = "price"'), "kind must be one of effect, cost, got 'price'"),
        (GOOD.replace("seeds = 1", "split = [0.5, 0.5]"), "split must be three fractions summing to 1"),
        ("seeds = \n", "is not valid TOML"),
    ],
)
def test_malformed_suite_files_name_the_key_and_the_file(text, message, tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(text)
    assert main(["run", "--suite", str(suite), "--out", str(tmp_path / "out")]) == 2
    err = one_line(capsys)
    assert f"suite file {suite}" in err and message in err
    assert not (tmp_path / "out").exists()


def test_every_shipped_suite_parses():
    from benchmarks import suites

    assert {s.name for s in suites.available()} >= {"smoke", "all", "mtmt-hillstrom"}


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_out_must_be_a_writable_folder(where, tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    out = a_file if where == "file" else a_file / "run"
    assert main(["run", "--suite", str(suite), "--out", str(out)]) == 2
    err = one_line(capsys)
    assert str(out) in err and ("is a file" in err or "cannot write the run folder" in err)


def test_report_takes_absolute_globs_and_refuses_damaged_files(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD)
    out = tmp_path / "runs" / "mine"
    assert main(["run", "--suite", str(suite), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", "--runs", str(tmp_path / "runs" / "*"), "--out", str(tmp_path / "paper")]) == 0
    assert (tmp_path / "paper" / "tables").is_dir()
    capsys.readouterr()

    results = out / "results.parquet"
    results.write_bytes(results.read_bytes()[:100])
    assert main(["report", "--runs", str(out), "--out", str(tmp_path / "paper")]) == 2
    err = one_line(capsys)
    assert str(results) in err and "run the folder's `run` command again" in err


def test_list_into_a_closed_pipe_is_quiet():
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks", "list"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    process.stdout.close()  # the reader goes away, as `head` does once it has its lines
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == ""


def test_an_unusable_optuna_storage_is_one_line(tmp_path, capsys):
    suite = tmp_path / "mine.toml"
    suite.write_text(GOOD.replace('"random"', '"tlearner-ridge"').replace("seeds = 1", "trials = 1"))
    args = ["run", "--suite", str(suite), "--out", str(tmp_path / "out"), "--storage", "nosuch://x"]
    assert main(args) == 2
    assert "cannot open the Optuna storage nosuch://x" in one_line(capsys)
