"""The end-of-run summary: method x dataset, headline metric mean and 95% t-interval over seeds; in full
for summary.md, and as a table that reads at 100 columns for the terminal, with each method's rank and
the committed reference run's value beside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.scoring import HEADLINE
from benchmarks.store import NO_DATA_STATUS

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "results"  # the committed reference runs
WIDTH = 100
METHOD_WIDTH = 32


def headline_per_seed(group: pd.DataFrame, kind: str) -> tuple[str | None, pd.Series]:
    """The headline metric of a suite's kind for one (dataset, method)'s rows: its first outcome and the
    per-seed values (mean over arms where there are several); (None, empty) when no cell succeeded."""
    metric, variant = HEADLINE[kind]
    ok = group[(group["metric"] == metric) & (group["variant"] == variant) & (group["status"] == "ok")]
    if not len(ok):
        return None, pd.Series(dtype=float)
    first = ok["outcome"].iloc[0]
    ok = ok[ok["outcome"] == first]
    ok = ok[ok["arm"] == "mean"] if (ok["arm"] == "mean").any() else ok
    return first, ok.groupby("seed")["value"].mean()


def headline_table(results: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """One row per (suite, dataset, method): the headline metric of the suite's kind on the first outcome
    (mean over arms where there are several), as mean ± half-width of the 95% t-interval over seeds, plus
    the PEHE against true effects where the data has them, and the number of skipped, failed and
    data-not-available cells."""
    from benchmarks.report.tables import estimate  # the report package loads matplotlib: not before cells

    records = []
    for (suite, dataset, method), group in results.groupby(["suite", "dataset", "method"], sort=True):
        metric, variant = HEADLINE[kinds.get(suite, "effect")]
        outcome, per_seed = headline_per_seed(group, kinds.get(suite, "effect"))
        statuses = group.drop_duplicates("seed")["status"]
        errors = group[group["metric"] == "pehe"].groupby("seed")["value"].mean()
        records.append(
            {
                "suite": suite,
                "dataset": dataset,
                "method": method,
                "headline": f"{metric} ({variant})",
                "outcome": outcome or "-",
                "value": str(estimate(per_seed.to_numpy())) if len(per_seed) else "-",
                **(
                    {"pehe (mean over arms, outcomes)": str(estimate(errors.to_numpy()))}
                    if len(errors)
                    else {}
                ),
                "skipped": int((statuses == "skipped").sum()),
                "failed": int((statuses == "error").sum()),
                "data not available": int((statuses == NO_DATA_STATUS).sum()),
                "note": "; ".join(sorted(set(group.loc[group["status"] != "ok", "reason"])))[:120],
            }
        )
    return pd.DataFrame.from_records(records)


def reference_run(suite: str, out: Path) -> pd.DataFrame | None:
    """The committed reference run of a suite (results/<suite>/results.parquet), unless it is the run
    folder itself or absent."""
    path = REFERENCE_DIR / suite / "results.parquet"
    if not path.is_file() or path.parent.resolve() == out.resolve():
        return None
    return pd.read_parquet(path)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def status_of(group: pd.DataFrame) -> str:
    """What a method without a headline value did instead: failed, skipped or no data, in a word."""
    statuses = set(group["status"])
    if "error" in statuses:
        return "failed"
    return "skipped" if "skipped" in statuses else "no data" if NO_DATA_STATUS in statuses else "-"


def terminal_table(
    results: pd.DataFrame, kinds: dict[str, str], reference: pd.DataFrame | None, reference_name: str = ""
) -> str:
    """Per (suite, dataset): a heading naming the headline, then one line per method, best first: the
    headline mean ± 95% interval over seeds, its rank, and the reference run's value for the same method
    (when a reference is given). Every line fits in WIDTH columns; summary.md has every column."""
    from benchmarks.report.tables import estimate  # the report package loads matplotlib: not before cells

    blocks = []
    for (suite, dataset), rows in results.groupby(["suite", "dataset"], sort=True):
        kind = kinds.get(suite, "effect")
        metric, variant = HEADLINE[kind]
        lines, outcome = [], None
        for method, group in rows.groupby("method", sort=True):
            first, per_seed = headline_per_seed(group, kind)
            outcome = outcome or first
            ours = estimate(per_seed.to_numpy()) if len(per_seed) else None
            theirs = None
            if reference is not None:
                same = reference[(reference["dataset"] == dataset) & (reference["method"] == method)]
                _, ref_seed = headline_per_seed(same, kind)
                theirs = estimate(ref_seed.to_numpy()) if len(ref_seed) else None
            lines.append((method, ours, theirs, status_of(group)))
        means = pd.Series({m: o.mean for m, o, _, _ in lines if o is not None}, dtype=float)
        ranks = means.rank(ascending=False, method="min").astype(int)
        lines.sort(key=lambda line: (line[1] is None, -(line[1].mean if line[1] else 0), line[0]))
        records = [
            {
                "method": shorten(method, METHOD_WIDTH),
                f"{metric} ± 95% interval": str(ours) if ours else state,
                "rank": str(ranks[method]) if ours else "-",
                **({"reference run": str(theirs) if theirs else "-"} if reference is not None else {}),
            }
            for method, ours, theirs, state in lines
        ]
        arms = ", mean over arms" if (rows["arm"] == "mean").any() else ""
        heading = f"{suite} · {dataset} · {metric} ({variant}) on {outcome or '-'}{arms}, over seeds"
        table = pd.DataFrame.from_records(records).to_markdown(index=False, tablefmt="simple")
        blocks.append(f"{shorten(heading, WIDTH)}\n{table}")
    if reference is not None:
        note = f"reference run: {reference_name} (committed, with the suite's own settings)"
        blocks.append(shorten(note, WIDTH))
    return "\n\n".join(blocks)
