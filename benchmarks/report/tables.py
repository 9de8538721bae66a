"""Paper tables: the papers' numbers beside ours (mean and 95% interval over seeds) with a verdict."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

PAPER_NUMBERS = Path(__file__).with_name("paper_numbers.toml")


@dataclass(frozen=True)
class Estimate:
    """Mean over seeds with a two-sided 95% t-interval (None when fewer than two seeds)."""

    mean: float
    low: float | None
    high: float | None
    seeds: int

    def __str__(self) -> str:
        if self.low is None:
            return f"{self.mean:.4f} (1 seed)"
        return f"{self.mean:.4f} ± {(self.high - self.low) / 2:.4f} (n={self.seeds})"


def estimate(values: np.ndarray) -> Estimate:
    """Mean and 95% t-interval of per-seed values."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return Estimate(mean, None, None, len(values))
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return Estimate(mean, mean - half, mean + half, len(values))


MIN_SEEDS = 3
OTHER_METHODS = "Other methods in the results (not in the paper's table)"


def verdict_rule() -> str:
    """The note under every table stating the verdict rule and what the other-methods block holds."""
    return (
        "Verdict: 'reproduced' when the paper's number lies inside our 95% t-interval over seeds; otherwise "
        "'above' or 'below' (our mean above or below the paper's number); 'too few seeds' with fewer than "
        f"{MIN_SEEDS} seeds; no verdict for the random baseline; 'no paper number' where the paper reports "
        "none (our variants, generated data); 'data not available' where we have no result. The rows under "
        f"'{OTHER_METHODS}' are every other method label found in the table's runs."
    )


def verdict(
    ours: Estimate | None, paper: float | None, not_public: bool = False, baseline: bool = False
) -> str:
    """The verdict of `verdict_rule()`, or why there is no comparison."""
    if not_public:
        return "data not public"
    if ours is None:
        return "data not available"
    if baseline:
        return "baseline, no verdict"
    if paper is None:
        return "no paper number"
    if ours.seeds < MIN_SEEDS:
        return "too few seeds"
    if ours.low <= paper <= ours.high:
        return "reproduced"
    return "above" if ours.mean > paper else "below"


def paper_number(row: dict[str, Any], column: int) -> float | None:
    """The paper's number for a row and column; None where the paper reports nothing (e.g. a column of
    generated data, or a method the paper lacks)."""
    values = row.get("paper", [])
    return values[column] if column < len(values) else None


def table_specs(path: Path = PAPER_NUMBERS) -> list[dict[str, Any]]:
    """The table definitions with the papers' numbers."""
    return tomllib.loads(path.read_text())["table"]


def headline_rows(
    results: pd.DataFrame, suite: str, dataset: str, metric: str, variant: str, outcome: str | None
) -> pd.DataFrame:
    """Per-seed test values of one metric variant, one row per (method, seed), arms averaged ("mean")."""
    rows = results[
        (results["suite"] == suite)
        & (results["dataset"] == dataset)
        & (results["metric"] == metric)
        & (results["variant"] == variant)
        & (results["split"] == "test")
        & (results["status"] == "ok")
    ]
    if outcome is not None:
        rows = rows[rows["outcome"] == outcome]
    if "mean" in set(rows["arm"]):
        rows = rows[rows["arm"] == "mean"]
    return rows.groupby(["method", "seed"], as_index=False)["value"].mean()


def column_rows(spec: dict[str, Any], column: dict[str, Any], results: pd.DataFrame, variant) -> pd.DataFrame:
    """Per-seed values of the table's metric for one column (its suite, dataset and outcome; a column may
    name its own metric and variant)."""
    outcome = column.get("outcome", spec.get("outcome"))
    metric, variant = column.get("metric", spec["metric"]), column.get("variant", variant)
    return headline_rows(results, column["suite"], column["dataset"], metric, variant, outcome)


def is_random_baseline(label: str) -> bool:
    """Whether a method label is the random ranking (no verdict): `random` or a labelled variant of it."""
    return label == "random" or label.startswith("random-")


def row_record(name: str, cells: list[tuple[str, float | None, Estimate | None, bool]], not_public: bool):
    """One table row: per column (label, paper's number, ours, baseline) the paper, ours and the verdict."""
    record: dict[str, Any] = {"method": name}
    for label, paper, ours, baseline in cells:
        record[f"{label}: paper"] = "-" if paper is None else f"{paper:.4g}"
        if not not_public:
            record[f"{label}: ours"] = "-" if ours is None else str(ours)
        record[f"{label}: verdict"] = verdict(ours, paper, not_public, baseline)
    return record


def build_table(spec: dict[str, Any], results: pd.DataFrame, variant: str | None = None) -> pd.DataFrame:
    """One paper table as a frame: per column, the paper's number, ours and the verdict. The paper's rows
    come first; then, under a row naming the block, every other method label present in the table's runs
    (a user's own methods included), with no paper number."""
    variant = variant or spec.get("variant")
    not_public = spec.get("not_public", False)
    columns = [] if not_public else spec["columns"]
    per_seed = {c["label"]: column_rows(spec, c, results, variant) for c in columns if c.get("dataset")}

    def ours(column_label: str, labels: list[str]) -> tuple[str | None, Estimate | None]:
        frame = per_seed.get(column_label)
        present = set() if frame is None else set(frame["method"])
        label = next((m for m in labels if m in present), None)
        if label is None:
            return None, None
        return label, estimate(frame.loc[frame["method"] == label, "value"].to_numpy())

    records, shown = [], set()
    for row in spec["rows"]:
        cells = []
        for index, column in enumerate(spec["columns"]):
            label, estimate_ = ours(column["label"], row.get("ours", []))
            shown.add(label)
            cells.append((column["label"], paper_number(row, index), estimate_, row.get("baseline", False)))
        records.append(row_record(row["name"], cells, not_public))
    others = sorted(set().union(*(set(f["method"]) for f in per_seed.values())) - shown)
    if others:
        records.append({"method": OTHER_METHODS})
    for label in others:
        cells = [(c["label"], None, ours(c["label"], [label])[1], is_random_baseline(label)) for c in columns]
        records.append(row_record(label, cells, not_public))
    return pd.DataFrame.from_records(records).fillna("")


def ordering_statement(spec: dict[str, Any], results: pd.DataFrame, variant: str) -> list[str]:
    """Whether the paper's ranking of methods holds in ours, per column, as plain sentences."""
    lines = []
    for index, column in enumerate(spec["columns"]):
        if not column.get("dataset"):
            continue
        per_seed = column_rows(spec, column, results, variant)
        means = per_seed.groupby("method")["value"].mean()
        paired = []
        for row in spec["rows"]:
            paper = paper_number(row, index)
            label = next((m for m in row.get("ours", []) if m in means.index), None)
            if paper is not None and label is not None and not row.get("baseline", False):
                paired.append((row["name"], paper, float(means[label])))
        if len(paired) < 2:
            lines.append(f"{column['label']}: too few of the paper's methods were run to compare orderings.")
            continue
        paper_order = [name for name, _, _ in sorted(paired, key=lambda p: -p[1])]
        our_order = [name for name, _, _ in sorted(paired, key=lambda p: -p[2])]
        tau = stats.kendalltau([p[1] for p in paired], [p[2] for p in paired]).statistic
        holds = "holds" if paper_order == our_order else "does not hold"
        lines.append(
            f"{column['label']} ({variant}): the paper's ordering {' > '.join(paper_order)} {holds}; "
            f"ours: {' > '.join(our_order)} (Kendall tau {tau:.2f})."
        )
    return lines


def per_seed_of(row: dict[str, Any], per_seed: pd.DataFrame) -> pd.Series | None:
    """Our per-seed values (indexed by seed) of a table row: its first label present in the results."""
    label = next((m for m in row.get("ours", []) if m in set(per_seed["method"])), None)
    if label is None:
        return None
    return per_seed.loc[per_seed["method"] == label].set_index("seed")["value"]


def claim_statements(spec: dict[str, Any], results: pd.DataFrame, variant: str) -> list[str]:
    """The paper's relative claims (row A over row B by a share, in one column) beside the same share
    computed from the paper's table and from ours: the mean over seeds of A / B - 1, paired by seed (the
    same split), with its 95% t-interval."""
    rows = {row["name"]: row for row in spec["rows"]}
    lines = []
    for claim in spec.get("claims", []):
        index = next(i for i, c in enumerate(spec["columns"]) if c["label"] == claim["column"])
        better, than = rows[claim["better"]], rows[claim["than"]]
        from_table = paper_number(better, index) / paper_number(than, index) - 1
        text = (
            f"{claim['column']}: {better['name']} over {than['name']}: paper's claim {claim['paper']:+.1%}, "
            f"from the paper's table {from_table:+.1%}; ours "
        )
        per_seed = column_rows(spec, spec["columns"][index], results, variant)
        a, b = per_seed_of(better, per_seed), per_seed_of(than, per_seed)
        seeds = [] if a is None or b is None else sorted(set(a.index) & set(b.index))
        if not seeds:
            lines.append(text + "not available (a row was not run).")
            continue
        gain = estimate(a[seeds].to_numpy() / b[seeds].to_numpy() - 1)
        interval = "" if gain.low is None else f" [{gain.low:+.1%}, {gain.high:+.1%}]"
        lines.append(text + f"{gain.mean:+.1%}{interval} over {gain.seeds} paired seeds ({variant}).")
    return lines


def table_notes(spec: dict[str, Any], results: pd.DataFrame, variant: str | None) -> list[str]:
    """The notes under a table: the paper's ordering and relative claims checked (tables with AUCC
    variants), and the verdict rule."""
    notes = []
    if spec.get("variants_from_headline") and variant:
        notes += ordering_statement(spec, results, variant) + claim_statements(spec, results, variant)
    return [*notes, verdict_rule()]
