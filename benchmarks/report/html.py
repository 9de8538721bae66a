"""The report as HTML: paper/index.html (headline tables with their verdicts, every figure) and one page
per suite (its environment, results and figures). Pages open offline: inline CSS, relative links, no
script and nothing fetched."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from benchmarks.suites import SUITES_DIR

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 80rem; padding: 1rem 2rem;
       color: #1b1b1b; }
nav { display: flex; flex-wrap: wrap; gap: .3rem 1rem; padding: .5rem 0; border-bottom: 1px solid #ccc; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0; font-size: 13px; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d0d0; padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f1f3f5; }
tbody tr:nth-child(even) { background: #fafafa; }
td.verdict-reproduced { background: #d3f2d8; }
td.verdict-above { background: #d6e6fb; }
td.verdict-below { background: #fbdcd6; }
td[class^="verdict-holds"] { background: #d3f2d8; }
td[class^="verdict-does-not-hold"], td[class^="verdict-reversed"] { background: #fbdcd6; }
.note { color: #555; font-size: 13px; margin: .2rem 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid #e2e2e2; padding: .4rem; }
figure img { width: 100%; height: auto; }
figcaption { font-size: 12px; color: #555; word-break: break-all; }
"""


@dataclass(frozen=True)
class Table:
    """One generated table: the file stem of its .md/.tex, its title, the frame and its notes."""

    stem: str
    title: str
    frame: pd.DataFrame
    notes: list[str]


@dataclass(frozen=True)
class Scorecard:
    """The claims scorecard (benchmarks/report/claims.py): one row per claim, and its verdict rule."""

    frame: pd.DataFrame
    rule: str


def slug(text: str) -> str:
    """A CSS-class-safe form of a cell value ("no paper number" -> "no-paper-number")."""
    return "".join(c if c.isalnum() else "-" for c in str(text).lower())


def table_html(frame: pd.DataFrame) -> str:
    """The frame as an HTML table; cells of verdict columns carry a class per verdict for their colour."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            css = f' class="verdict-{slug(value)}"' if str(column).endswith("verdict") else ""
            cells.append(f"<td{css}>{escape(str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure_html(png: Path, page_dir: Path) -> str:
    """A figure linking to its PDF when there is one, captioned with its file name."""
    src = png.relative_to(page_dir).as_posix()
    pdf = png.with_suffix(".pdf")
    image = f'<img src="{escape(src)}" alt="{escape(png.stem)}">'
    if pdf.is_file():
        image = f'<a href="{escape(pdf.relative_to(page_dir).as_posix())}">{image}</a>'
    return f"<figure>{image}<figcaption>{escape(png.stem)}</figcaption></figure>"


def figures_html(pngs: list[Path], page_dir: Path) -> str:
    if not pngs:
        return '<p class="note">No figures.</p>'
    return f'<div class="figures">{"".join(figure_html(p, page_dir) for p in pngs)}</div>'


def page(title: str, nav: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body><nav>{nav}</nav><h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


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
    counts = values.value_counts()
    return "; ".join(f"{value} ({n} cells)" for value, n in counts.items())


def environment_html(cells: pd.DataFrame, suite: str) -> str:
    """Commit, library versions, device, seeds, trials and run folders of one suite's cells."""
    declared = suite_file(suite)
    trials = declared.get("trials")
    tuned = sorted(set(cells.loc[cells["tuned"].astype(bool), "method"]))
    trials_text = (
        f"{trials} Optuna trials per tuned cell (as benchmarks/suites/{suite}.toml declares; "
        "a run's --trials overrides it and is not recorded in the results)"
        if trials is not None
        else "not recorded (suite file not in benchmarks/suites/)"
    )
    facts = {
        "commit": counted(cells["git_commit"]),
        "device": counted(cells["device"]),
        "seeds": ", ".join(str(s) for s in sorted(cells["seed"].unique())),
        "trials": trials_text,
        "tuned methods": ", ".join(tuned) or "none",
        "run folders": counted(cells["source"]) if "source" in cells else "-",
        "run at": f"{cells['timestamp'].min()} to {cells['timestamp'].max()}",
    }
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts.items())
    versions = pd.DataFrame(
        [{"cells": n, **json.loads(v)} for v, n in cells["library_versions"].value_counts().items()]
    )
    return (
        f"<table><tbody>{rows}</tbody></table><h3>Library versions</h3>"
        f"{table_html(versions.fillna('-')) if len(versions) else '<p class=note>not recorded</p>'}"
    )


def methods_html(cells: pd.DataFrame) -> str:
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
    return table_html(frame.rename(columns={"fit_seconds": "fit s (median)", "predict_seconds": "predict s"}))


def suite_page(suite: str, results: pd.DataFrame, pngs: list[Path], out: Path, nav: str) -> Path:
    """paper/<suite>.html: description, environment, headline results per method, and the figures."""
    from benchmarks.summary import headline_table  # summary imports the tables, below this package

    rows = results[results["suite"] == suite]
    cells = rows.drop_duplicates(["suite", "dataset", "method", "seed"])
    kind = "cost" if (rows["metric"] == "aucc").any() else "effect"
    summary = headline_table(rows, {suite: kind}).drop(columns="suite").fillna("-")
    description = suite_file(suite).get("description", "")
    body = (
        f'<p class="note">{escape(description)}</p>'
        f"<h2>Environment</h2>{environment_html(cells, suite)}"
        f"<h2>Headline results</h2><p class=note>Mean and 95% t-interval over seeds, on test.</p>"
        f"{table_html(summary)}"
        f"<h2>Cells</h2>{methods_html(cells)}"
        f"<h2>Figures</h2>{figures_html(pngs, out)}"
    )
    path = out / f"{suite}.html"
    path.write_text(page(f"Suite {suite}", nav, body))
    return path


def table_section(table: Table, out: Path) -> str:
    """A headline table with its notes and links to its markdown and LaTeX files."""
    links = " · ".join(
        f'<a href="tables/{escape(table.stem)}.{ext}">{label}</a>'
        for ext, label in (("tex", "LaTeX"), ("md", "Markdown"))
        if (out / "tables" / f"{table.stem}.{ext}").is_file()
    )
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in table.notes)
    return (
        f'<h2 id="{escape(table.stem)}">{escape(table.title)}</h2>'
        f'<p class="note">{links}</p>{table_html(table.frame)}{notes}'
    )


def scorecard_section(scorecard: Scorecard, suites: list[str]) -> str:
    """The index's first section: the claims scorecard, its rule, links to the pages of its suites."""
    linked = [s for s in dict.fromkeys(scorecard.frame["suite"]) if s in suites]
    links = " · ".join(f'<a href="{escape(s)}.html">{escape(s)}</a>' for s in linked)
    return (
        '<h2 id="claims">Claims scorecard</h2><p class="note"><a href="claims.md">Markdown</a></p>'
        f'{table_html(scorecard.frame)}<p class="note">{escape(scorecard.rule)}</p>'
        f'<p class="note">Suite pages: {links or "none"}</p>'
    )


def write_site(results: pd.DataFrame, tables: list[Table], out: Path, scorecard: Scorecard) -> list[Path]:
    """paper/index.html (the claims scorecard first) and paper/<suite>.html for every suite in the
    results; the paths written. Every PNG in out/figures is shown: on the page of its suite and on the
    index."""
    suites = sorted(results["suite"].unique())
    pngs = sorted((out / "figures").glob("*.png"))
    nav = '<a href="index.html">Overview</a>' + "".join(
        f'<a href="{escape(s)}.html">{escape(s)}</a>' for s in suites
    )
    written = [
        suite_page(suite, results, [p for p in pngs if suite_of(p, suites) == suite], out, nav)
        for suite in suites
    ]
    by_suite = {}
    for png in pngs:
        by_suite.setdefault(suite_of(png, suites) or "across suites", []).append(png)
    contents = "".join(f'<li><a href="#{escape(t.stem)}">{escape(t.title)}</a></li>' for t in tables)
    body = (
        '<p class="note">Generated by <code>python -m benchmarks report</code>: the papers\' numbers beside '
        "ours (mean and 95% t-interval over seeds) with a verdict, then every figure. Each suite's page "
        "gives its environment: commit, library versions, device, seeds and trials.</p>"
        + scorecard_section(scorecard, suites)
        + f"<ul>{contents}</ul>"
        + "".join(table_section(t, out) for t in tables)
        + "".join(
            f'<h2 id="figures-{escape(group)}">Figures: {escape(group)}</h2>{figures_html(group_pngs, out)}'
            for group, group_pngs in sorted(by_suite.items())
        )
    )
    index = out / "index.html"
    index.write_text(page("uplift-bench report", nav, body))
    return [index, *written]
