"""The report as HTML, from the Jinja2 templates in templates/: index.html (a place for the claims scorecard,
the runs shown, leaderboards, the paper tables with their verdicts, the figures by suite) and one page per
suite (environment, leaderboards, headline values, cells and figures). Pages open offline: inline CSS,
relative links, no script and nothing fetched."""

from __future__ import annotations

import json
import struct
import tomllib
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from benchmarks.report.leaderboard import (
    LEADERBOARD_NOTE,
    MIN_BLOCKS,
    Board,
    Friedman,
    friedman_notes,
    friedman_table,
    shown,
)
from benchmarks.suites import SUITES_DIR

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
WIDE_PX = 1400  # figures at least this wide (small multiples) fill the page's width


@dataclass(frozen=True)
class Table:
    """One generated table: the file stem of its .md/.tex, its title, the frame and its notes."""

    stem: str
    title: str
    frame: pd.DataFrame
    notes: list[str]


def slug(text: str) -> str:
    """A CSS-class-safe form of a cell value ("no paper number" -> "no-paper-number")."""
    return "".join(c if c.isalnum() else "-" for c in str(text).lower())


def grid(frame: pd.DataFrame, yours: pd.Series | None = None, pages: frozenset[str] = frozenset()) -> dict:
    """A frame as the templates' table: columns, and rows of cells; cells of verdict columns carry a class
    per verdict for their colour, rows flagged in `yours` the class "yours", and a "suite" cell naming one
    of `pages` links to that suite's page."""
    flags = [False] * len(frame) if yours is None else list(yours)
    rows = [
        {
            "css": "yours" if flag else "",
            "cells": [
                {
                    "text": str(value),
                    "css": f"verdict-{slug(value)}" if str(column).endswith("verdict") else "",
                    "href": f"{value}.html" if column == "suite" and value in pages else "",
                }
                for column, value in zip(frame.columns, record, strict=True)
            ],
        }
        for record, flag in zip(frame.itertuples(index=False), flags, strict=True)
    ]
    return {"columns": [str(c) for c in frame.columns], "rows": rows}


def table_html(frame: pd.DataFrame) -> str:
    """The frame as an HTML table (the templates' macro)."""
    return str(TEMPLATES.get_template("macros.html").module.table(grid(frame)))


def png_width(png: Path) -> int:
    """A PNG's width in pixels, from its header."""
    with png.open("rb") as file:
        return struct.unpack(">I", file.read(24)[16:20])[0]


def figure_item(png: Path, page_dir: Path) -> dict:
    """A figure for the templates: its source, its PDF where there is one, its caption and whether it is
    wide enough to fill the page."""
    pdf = png.with_suffix(".pdf")
    return {
        "src": png.relative_to(page_dir).as_posix(),
        "pdf": pdf.relative_to(page_dir).as_posix() if pdf.is_file() else "",
        "caption": png.stem,
        "wide": png_width(png) >= WIDE_PX,
    }


def suite_of(png: Path, suites: list[str]) -> str | None:
    """The suite a figure belongs to: the longest suite name its file name starts with."""
    owners = [s for s in suites if png.stem.startswith(f"{s}-")]
    return max(owners, key=len) if owners else None


def suite_file(suite: str) -> dict:
    """The suite's TOML as the repository declares it; empty for a user's suite file kept elsewhere."""
    path = SUITES_DIR / f"{suite}.toml"
    return tomllib.loads(path.read_text()) if path.is_file() else {}


def counted(values: pd.Series) -> str:
    """Distinct values with how many cells have each ("abc123 (40 cells)")."""
    counts = values.value_counts(dropna=False)
    return "; ".join(f"{value} ({n} cells)" for value, n in counts.items())


def code_differed(cells: pd.DataFrame) -> tuple[str, str]:
    """The cells' git_dirty flag: (the environment's line, a warning when any cell ran on code that differed
    from its commit, else "")."""
    if "git_dirty" not in cells:
        return "not recorded (run stored before the flag was kept)", ""
    flags = cells["git_dirty"].map({True: "yes", False: "no"}).fillna("not recorded")
    dirty = int((flags == "yes").sum())
    warning = (
        f"{dirty} of {len(cells)} cells ran on code that differed from their commit (git_dirty): "
        "their numbers may not be reproducible from that commit."
        if dirty
        else ""
    )
    return counted(flags), warning


def environment(cells: pd.DataFrame, suite: str) -> dict:
    """Commit, code-differed flag, library versions, device, seeds, trials and run folders of one suite's
    cells, for the suite page."""
    declared = suite_file(suite)
    trials = declared.get("trials")
    tuned = sorted(set(cells.loc[cells["tuned"].astype(bool), "method"]))
    trials_text = (
        f"{trials} Optuna trials per tuned cell (as benchmarks/suites/{suite}.toml declares; "
        "a run's --trials overrides it and is not recorded in the results)"
        if trials is not None
        else "not recorded (suite file not in benchmarks/suites/)"
    )
    differed, warning = code_differed(cells)
    facts = {
        "commit": counted(cells["git_commit"]),
        "code differed from the commit (git_dirty)": differed,
        "device": counted(cells["device"]),
        "seeds": ", ".join(str(s) for s in sorted(cells["seed"].unique())),
        "trials": trials_text,
        "tuned methods": ", ".join(tuned) or "none",
        "run folders": counted(cells["source"]) if "source" in cells else "-",
        "run at": f"{cells['timestamp'].min()} to {cells['timestamp'].max()}",
    }
    versions = pd.DataFrame(
        [{"cells": n, **json.loads(v)} for v, n in cells["library_versions"].value_counts().items()]
    )
    return {
        "environment": grid(pd.DataFrame({"": list(facts), "value": list(facts.values())})),
        "versions": grid(versions.fillna("-")) if len(versions) else None,
        "dirty": warning,
    }


def methods_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and method: seeds, status counts, tuning, rows and median fit and predict seconds."""
    ok = cells[cells["status"] == "ok"]
    facts = cells.groupby(["dataset", "method"]).agg(
        cells=("seed", "size"),
        ok=("status", lambda s: int((s == "ok").sum())),
        tuned=("tuned", lambda s: "yes" if s.astype(bool).any() else "no"),
    )
    timing = ok.groupby(["dataset", "method"]).agg(
        n_train=("n_train", "max"),
        n_test=("n_test", "max"),
        fit_seconds=("fit_seconds", "median"),
        predict_seconds=("predict_seconds", "median"),
    )
    frame = facts.join(timing).reset_index()
    for column in ("fit_seconds", "predict_seconds"):
        frame[column] = frame[column].map(lambda v: "-" if pd.isna(v) else f"{v:.3g}")
    for column in ("n_train", "n_test"):
        frame[column] = frame[column].map(lambda v: "-" if pd.isna(v) else f"{int(v)}")
    return frame.rename(columns={"fit_seconds": "fit s (median)", "predict_seconds": "predict s"})


def board_item(board: Board) -> dict:
    """A leaderboard for the templates, your rows marked."""
    return {
        "anchor": slug(f"board-{board.suite}-{board.dataset}"),
        "title": board.title,
        "grid": grid(shown(board.frame), board.frame["yours"]),
    }


def friedman_item(test: Friedman, out: Path) -> dict:
    """A Friedman test for the templates: its table, notes and critical-difference diagram."""
    png = out / "figures" / f"friedman-{test.name}.png"
    return {
        "name": test.name,
        "grid": grid(friedman_table(test)),
        "notes": friedman_notes(test),
        "figures": [figure_item(png, out)] if png.is_file() else [],
    }


def runs_frame(results: pd.DataFrame) -> pd.DataFrame:
    """Per run folder of the report: reference or yours, its suites and its number of cells."""
    cells = results.drop_duplicates(["source", "suite", "dataset", "method", "seed"])
    runs = cells.groupby("source", sort=False).agg(
        reference=("reference", "all"),
        suites=("suite", lambda s: ", ".join(sorted(set(s)))),
        cells=("seed", "size"),
    )
    return pd.DataFrame(
        {
            "run folder": runs.index,
            "run": runs["reference"].map({True: "reference (committed)", False: "yours"}).to_numpy(),
            "suites": runs["suites"].to_numpy(),
            "cells": runs["cells"].to_numpy(),
        }
    )


def suite_page(suite: str, results: pd.DataFrame, pngs: list[Path], out: Path, site: dict) -> Path:
    """<out>/<suite>.html: description, environment, leaderboards, headline values, cells and figures."""
    from benchmarks.summary import headline_table  # summary imports the tables, below this package

    rows = results[results["suite"] == suite]
    cells = rows.drop_duplicates(["suite", "dataset", "method", "seed"])
    kind = "cost" if (rows["metric"] == "aucc").any() else "effect"
    summary = headline_table(rows, {suite: kind}).drop(columns="suite").fillna("-")
    page = TEMPLATES.get_template("suite.html").render(
        title=f"Suite {suite}",
        suites=site["suites"],
        description=suite_file(suite).get("description", ""),
        **environment(cells, suite),
        leaderboard_note=LEADERBOARD_NOTE,
        friedman=[item for item, test in site["friedman"] if suite in test.suites],
        boards=[board_item(b) for b in site["boards"] if b.suite == suite],
        summary=grid(summary),
        cells=grid(methods_frame(cells)),
        figures=[figure_item(png, out) for png in pngs],
    )
    path = out / f"{suite}.html"
    path.write_text(page)
    return path


def table_item(table: Table, out: Path) -> dict:
    """A paper table for the templates, with links to its markdown and LaTeX files."""
    links = [
        {"href": f"tables/{table.stem}.{ext}", "label": label}
        for ext, label in (("tex", "LaTeX"), ("md", "Markdown"))
        if (out / "tables" / f"{table.stem}.{ext}").is_file()
    ]
    return {
        "stem": table.stem,
        "title": table.title,
        "links": links,
        "grid": grid(table.frame),
        "notes": table.notes,
    }


def write_site(
    results: pd.DataFrame,
    tables: list[Table],
    out: Path,
    boards: list[Board] = (),
    tests: list[Friedman] = (),
    scorecard: pd.DataFrame | None = None,
    scorecard_notes: list[str] = (),
) -> list[Path]:
    """index.html and <suite>.html for every suite in the results; the paths written. `scorecard`, a frame
    of claims, is shown first on the index. Every PNG in out/figures is shown on the page of its suite
    (the index links to it) or, for figures across suites, on the index; critical-difference diagrams
    with their Friedman test."""
    suites = sorted(results["suite"].unique())
    pngs = sorted(p for p in (out / "figures").glob("*.png") if not p.stem.startswith("friedman-"))
    site = {"suites": suites, "boards": boards, "friedman": [(friedman_item(t, out), t) for t in tests]}
    written = [
        suite_page(suite, results, [p for p in pngs if suite_of(p, suites) == suite], out, site)
        for suite in suites
    ]
    by_suite: dict[str, list[Path]] = {}
    for png in pngs:
        by_suite.setdefault(suite_of(png, suites) or "", []).append(png)
    figure_groups = [
        {
            "name": group or "across suites",
            "page": f"{group}.html" if group else "",
            "figures": [figure_item(p, out) for p in group_pngs],
        }
        for group, group_pngs in sorted(by_suite.items(), key=lambda item: (not item[0], item[0]))
    ]
    leaderboards = [
        {
            "name": suite,
            "friedman": [item for item, test in site["friedman"] if test.suites == (suite,)],
            "boards": [board_item(b) for b in boards if b.suite == suite],
            "boards_here": sum(b.suite == suite for b in boards) < MIN_BLOCKS,
        }
        for suite in suites
    ]
    runs = runs_frame(results)
    page = TEMPLATES.get_template("index.html").render(
        title="uplift-bench report",
        suites=suites,
        scorecard=None if scorecard is None else grid(scorecard, pages=frozenset(suites)),
        scorecard_notes=list(scorecard_notes),
        runs=grid(runs, runs["run"] == "yours"),
        yours=bool((runs["run"] == "yours").any()),
        leaderboard_note=LEADERBOARD_NOTE,
        cross_suite=[item for item, test in site["friedman"] if len(test.suites) > 1],
        leaderboards=leaderboards,
        tables=[table_item(t, out) for t in tables],
        figure_groups=figure_groups,
    )
    index = out / "index.html"
    index.write_text(page)
    return [index, *written]
