"""The README's first command: a real result on the embedded data, beside a committed reference run."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from benchmarks import suites

ROOT = Path(__file__).resolve().parent.parent


def first_command() -> str:
    readme = (ROOT / "README.md").read_text()
    return re.search(r"```bash\n(.*?)```", readme, re.S).group(1)


def test_the_first_command_runs_a_real_suite_whose_reference_run_is_committed():
    command = first_command()
    suite = re.search(r"run --suite (\S+)", command).group(1)
    assert suite != "smoke", "smoke is the pipeline check, not the first result"
    spec = suites.load(suite)
    assert spec.seeds >= 3 and all(d.max_rows == 0 for d in spec.datasets)  # an interval, every row
    reference = pd.read_parquet(ROOT / "results" / suite / "results.parquet")
    cells = reference.drop_duplicates(["dataset", "method", "seed"])
    assert (cells["status"] == "ok").all() and len(cells) == len(spec.methods) * spec.seeds
    assert {"summary.md", "run.log"} <= {p.name for p in (ROOT / "results" / suite).iterdir()}
