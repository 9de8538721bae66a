"""The command line refuses abbreviated long options and prints its version with the commit."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.environment import git_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--suite", "smoke", "--method", "tarnet"],
        ["run", "--suite", "smoke", "--data", "x"],
        ["list", "--js"],
        ["data", "info", "hillstrom", "--data-d", "x"],
    ],
)
def test_an_abbreviated_long_option_is_refused_with_status_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_version_prints_the_project_version_and_the_commit(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    state = git_state()
    assert capsys.readouterr().out.strip() == (
        f"uplift-bench {version} (commit {state.commit}{', dirty' if state.dirty else ''})"
    )
