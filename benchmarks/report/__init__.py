"""`python -m benchmarks report`: every table and figure of paper/ from the results of runs."""

from __future__ import annotations

import glob
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from benchmarks.errors import UsageError
from benchmarks.report import claims, figures, html, leaderboard, synthetic_claim, training_curves
from benchmarks.report.tables import build_table, table_notes, table_specs
from benchmarks.store import NO_DATA_STATUS, ResultsStore

DEFAULT_RUN_DIRS = ("results/*", "runs/*")
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "results"  # the committed reference runs
PAPER_DIR = REFERENCE_DIR.parent / "paper"  # the committed report of every reference run
OTHER_OUT = Path("runs") / "report"  # the default output of any other view


class NothingToReport(Exception):
    """Run folders were found but none holds a finished cell that succeeded."""


def find_results(patterns: list[str]) -> list[Path]:
    """Run folders (glob patterns allowed, absolute ones too) holding results.parquet or finished cells."""
    found = []
    for pattern in patterns:
        folders = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        for folder in map(Path, folders):
            if (folder / "results.parquet").is_file() or any((folder / "cells").glob("*.parquet")):
                found.append(folder)
    return found


def planned_cells(folder: Path) -> int | None:
    """How many cells the last `run` into the folder planned, as its run.log says; None if unknown."""
    log = folder / "run.log"
    counts = re.findall(r"run: (\d+) cells", log.read_text(errors="replace")) if log.is_file() else []
    return int(counts[-1]) if counts else None


def read_run(folder: Path) -> tuple[pd.DataFrame, str | None]:
    """The result rows of one run folder: its results.parquet, or for a half-finished (killed) run, whose
    results.parquet is absent or older than its newest cell, the finished cells with a note saying how
    many are missing."""
    merged = folder / "results.parquet"
    cells = sorted((folder / "cells").glob("*.parquet"))
    newest_cell = max((c.stat().st_mtime for c in cells), default=0.0)
    if merged.is_file() and merged.stat().st_mtime >= newest_cell:
        return pd.read_parquet(merged), None
    state = "results.parquet older than cells/" if merged.is_file() else "results.parquet absent"
    planned = planned_cells(folder)
    missing = f"{planned - len(cells)} of {planned} planned cells missing" if planned else "plan size unknown"
    note = f"{folder}: half-finished run, {len(cells)} finished cells, {state}; {missing}"
    return ResultsStore(folder).rows(), note


def is_reference(folder: Path) -> bool:
    """Whether the run folder is one of the committed reference runs (results/NAME)."""
    return folder.resolve().parent == REFERENCE_DIR


def load_results(folders: list[Path]) -> pd.DataFrame:
    """All result rows of the given run folders, each marked with its source folder and whether it is a
    reference run; later folders win for the same (suite, dataset, method, seed). Half-finished runs are
    noted on stderr; NothingToReport when no cell succeeded."""
    if not folders:
        raise UsageError(
            "no run folder with results.parquet or finished cells found; "
            "run `python -m benchmarks run --suite NAME` first"
        )
    runs = [read_run(folder) for folder in folders]
    frames = [
        rows.assign(source=str(folder), reference=is_reference(folder))
        for folder, (rows, _) in zip(folders, runs, strict=True)
    ]
    results = pd.concat(frames, ignore_index=True)
    if not (results["status"] == "ok").any():
        counts = results.drop_duplicates(["suite", "dataset", "method", "seed"])["status"].value_counts()
        found = ", ".join(f"{n} {status}" for status, n in counts.items())
        raise NothingToReport(f"no cell succeeded in {', '.join(map(str, folders))} ({found}); see run.log")
    for _, note in runs:
        if note:
            print(note, file=sys.stderr)
    key = ["suite", "dataset", "method", "seed"]
    measured = results["status"] != NO_DATA_STATUS  # a cell without its data never hides a measured one
    results = results[measured | ~measured.groupby([results[k] for k in key]).transform("any")]
    latest_source = results.groupby(key)["source"].transform("last")
    return results[results["source"] == latest_source]


def read_curves(folder: Path) -> pd.DataFrame | None:
    """The curve points of one run folder: its curves.parquet, or for a half-finished run the finished
    cells' curve files; None for a run stored before cells kept curve points."""
    merged = folder / "curves.parquet"
    newest_cell = max((c.stat().st_mtime for c in (folder / "cells").glob("*.parquet")), default=0.0)
    if merged.is_file() and merged.stat().st_mtime >= newest_cell:
        return pd.read_parquet(merged)
    if (folder / "curves").is_dir():
        return ResultsStore(folder).curve_points()
    return None


def load_curves(folders: list[Path]) -> pd.DataFrame:
    """The stored curve points of the given run folders, each marked with its source folder and whether it
    is a reference run; later folders win for the same (suite, dataset, method, seed) among the reference
    runs and among the user's. A folder without curve points is noted on stderr: its curve figures are
    left out."""
    frames = []
    for folder in folders:
        curves = read_curves(folder)
        if curves is None:
            print(
                f"{folder}: no curves.parquet (stored before runs kept curve points): its Qini, cost-curve "
                "and MTMT figures are left out; run its suite again to draw them",
                file=sys.stderr,
            )
        elif not curves.empty:
            frames.append(curves.assign(source=str(folder), reference=is_reference(folder)))
    if not frames:
        return pd.DataFrame()
    curves = pd.concat(frames, ignore_index=True)
    latest_source = curves.groupby(["suite", "dataset", "method", "seed", "reference"])["source"].transform(
        "last"
    )
    return curves[curves["source"] == latest_source]


def provenance(folders: list[Path]) -> str:
    """The line each generated file carries: command, inputs and commit."""
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    commit = git.stdout.strip()
    return (
        f"Generated by `python -m benchmarks report` at commit {commit or 'unknown'} from "
        f"{', '.join(str(f) for f in folders)}."
    )


def aucc_variants(results: pd.DataFrame) -> list[str]:
    """The AUCC variants present, the headline first."""
    from benchmarks.scoring import HEADLINE

    present = sorted(set(results.loc[results["metric"] == "aucc", "variant"]))
    headline = HEADLINE["cost"][1]
    return [headline] + [v for v in present if v != headline] if headline in present else present


def write_table(frame: pd.DataFrame, title: str, notes: list[str], out: Path, stem: str) -> list[Path]:
    """The table as markdown (with title and notes) and as LaTeX."""
    out.mkdir(parents=True, exist_ok=True)
    md = out / f"{stem}.md"
    md.write_text(f"## {title}\n\n{frame.to_markdown(index=False)}\n\n" + "".join(f"{n}\n\n" for n in notes))
    tex = out / f"{stem}.tex"
    tex.write_text(frame.to_latex(index=False, caption=title, label=f"tab:{stem}", escape=True))
    return [md, tex]


def with_reference(folders: list[Path]) -> list[Path]:
    """The run folders with, when one of them is a user's run, every committed reference run not given
    put first (so that the user's runs win for the same cell)."""
    if all(map(is_reference, folders)):
        return folders
    given = {folder.resolve() for folder in folders}
    missing = [f for f in find_results([str(REFERENCE_DIR / "*")]) if f.resolve() not in given]
    here = Path.cwd().resolve()
    return [f.relative_to(here) if f.is_relative_to(here) else f for f in missing] + folders


def every_reference_run(folders: list[Path]) -> bool:
    """Whether the folders are exactly the committed reference runs, all of them."""
    return {f.resolve() for f in folders} == {f.resolve() for f in find_results([str(REFERENCE_DIR / "*")])}


def output_folder(folders: list[Path], out: Path | None) -> Path:
    """Where the report goes: `out`, by default paper/ for every reference run and runs/report for any
    other view (a user's run, some of the reference runs). UsageError for paper/ with another view: the
    committed paper/ is never overwritten with a partial one."""
    complete = every_reference_run(folders)
    out = (Path("paper") if complete else OTHER_OUT) if out is None else out
    if out.resolve() == PAPER_DIR.resolve() and not complete:
        raise UsageError(
            f"{out} holds the report of every committed reference run (results/*); write this view "
            f"elsewhere with --out DIR (default {OTHER_OUT})"
        )
    return out


def build(run_dirs: list[str], out_dir: Path | None = None, reference: bool = True) -> list[Path]:
    """Write every table, figure and HTML page into out_dir (see output_folder), beside a user's run
    with the reference runs too unless `reference` is false; the paths written."""
    folders = find_results(run_dirs)
    folders = with_reference(folders) if reference else folders
    out_dir = output_folder(folders, out_dir)
    results = load_results(folders)
    source = provenance(folders)
    written: list[Path] = []
    tables: list[html.Table] = []
    for spec in table_specs():
        variants = aucc_variants(results) if spec.get("variants_from_headline") else [spec.get("variant")]
        for i, variant in enumerate(variants or [None]):
            frame = build_table(spec, results, variant)
            notes = [
                *table_notes(spec, results, variant),
                f"Source of the paper's numbers: {spec['source']}.",
                source,
            ]
            stem = spec["id"] if i == 0 else f"{spec['id']}-{variant}"
            labelled = variant and spec.get("variants_from_headline")
            title = spec["title"] + (f" [variant: {variant}]" if labelled else "")
            written += write_table(frame, title, notes, out_dir / "tables", stem)
            tables.append(html.Table(stem, title, frame, notes))
    scored = claims.evaluate(results)
    written.append(claims.write_claims(scored, out_dir, source))
    boards = leaderboard.boards(results)
    tests = leaderboard.friedman_tests(results)
    written += leaderboard.write_markdown(boards, tests, out_dir / "tables", source)
    written += figures.build_all(results, load_curves(folders), out_dir / "figures")
    written += synthetic_claim.build(results, folders, out_dir / "figures")
    written += training_curves.training_curves(results, out_dir / "figures")
    for test in tests:
        written += leaderboard.critical_difference(test, out_dir / "figures")
    scorecard, rule = claims.scorecard_frame(scored), claims.scorecard_rule()
    written += html.write_site(results, tables, out_dir, boards, tests, scorecard, [rule])
    return written
