"""Running a small suite written by a test, end to end through the CLI."""

from __future__ import annotations

from pathlib import Path

from benchmarks.cli import main


def run_suite(folder: Path, text: str, *extra: str, name: str = "tiny") -> Path:
    """Write `text` as FOLDER/NAME.toml, run it into FOLDER/runs/NAME (exit 0 asserted); the run folder."""
    suite = folder / f"{name}.toml"
    suite.write_text(text)
    out = folder / "runs" / name
    assert main(["run", "--suite", str(suite), "--out", str(out), *extra]) == 0
    return out


# results.parquet columns that differ between two runs of the same cells (timings, and the commit when a
# test compares runs across a change of the working tree)
VOLATILE = ["timestamp", "fit_seconds", "predict_seconds", "tune_seconds", "git_commit", "git_dirty"]
# the columns that name one value of results.parquet
KEYS = ["dataset", "method", "seed", "arm", "outcome", "metric", "variant"]
