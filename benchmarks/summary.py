"""The end-of-run summary: method x dataset, headline metric mean and 95% t-interval over seeds; in full
for summary.md, and as a table that reads at 100 columns for the terminal, ranking the run's methods among
the committed reference run's methods of the same suite, with the reference run's value beside each."""

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

    key = ["suite", "dataset", "method"]
    headline = results["suite"].map(lambda suite: HEADLINE[kinds.get(suite, "effect")])
    ok = results[
        (results["metric"] == headline.str[0])
        & (results["variant"] == headline.str[1])
        & (results["status"] == "ok")
    ]
    ok = ok[ok["outcome"] == ok.groupby(key)["outcome"].transform("first")]  # the first outcome
    is_mean = ok["arm"] == "mean"
    ok = ok[is_mean | ~is_mean.groupby([ok[k] for k in key]).transform("any")]  # the arms' mean if there
    per_seed = {k: v.to_numpy() for k, v in ok.groupby([*key, "seed"])["value"].mean().groupby(level=key)}
    outcomes = ok.groupby(key)["outcome"].first()
    pehe = results[results["metric"] == "pehe"].groupby([*key, "seed"])["value"].mean()
    errors = {k: v.to_numpy() for k, v in pehe.groupby(level=key)}
    cells = results.drop_duplicates([*key, "seed"])
    skipped = (cells["status"] == "skipped").groupby([cells[k] for k in key]).sum()
    failed = (cells["status"] == "error").groupby([cells[k] for k in key]).sum()
    no_data = (cells["status"] == NO_DATA_STATUS).groupby([cells[k] for k in key]).sum()
    reasons = results[results["status"] != "ok"].groupby(key)["reason"]
    notes = reasons.agg(lambda r: "; ".join(sorted(set(r)))[:120])
    records = []
    for suite, dataset, method in sorted(skipped.index):
        k = (suite, dataset, method)
        metric, variant = HEADLINE[kinds.get(suite, "effect")]
        records.append(
            {
                "suite": suite,
                "dataset": dataset,
                "method": method,
                "headline": f"{metric} ({variant})",
                "outcome": outcomes.get(k, "-"),
                "value": str(estimate(per_seed[k])) if k in per_seed else "-",
                **({"pehe (mean over arms, outcomes)": str(estimate(errors[k]))} if k in errors else {}),
                "skipped": int(skipped[k]),
                "failed": int(failed[k]),
                "data not available": int(no_data[k]),
                "note": notes.get(k, ""),
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


def ranked_lines(rows: pd.DataFrame, reference: pd.DataFrame | None, kind: str) -> list[dict]:
    """One dataset's lines, best first: this run's methods (with the reference run's value of the same
    method) and the reference run's other methods, all ranked together by their mean ("3 of 8")."""
    from benchmarks.report.tables import estimate  # the report package loads matplotlib: not before cells

    def value_of(group: pd.DataFrame):
        _, per_seed = headline_per_seed(group, kind)
        return estimate(per_seed.to_numpy()) if len(per_seed) else None

    dataset = rows["dataset"].iloc[0]
    theirs = (
        {} if reference is None else dict(list(reference[reference["dataset"] == dataset].groupby("method")))
    )
    lines = [
        {
            "method": m,
            "yours": True,
            "value": value_of(g),
            "reference": value_of(theirs[m]) if m in theirs else None,
            "state": status_of(g),
        }
        for m, g in rows.groupby("method", sort=True)
    ]
    mine = {line["method"] for line in lines}
    lines += [
        {"method": m, "yours": False, "value": value_of(g), "reference": None, "state": status_of(g)}
        for m, g in sorted(theirs.items())
        if m not in mine
    ]
    means = pd.Series({i: line["value"].mean for i, line in enumerate(lines) if line["value"]}, dtype=float)
    ranks = means.rank(ascending=False, method="min").astype(int)
    for i, line in enumerate(lines):
        line["rank"] = f"{ranks[i]} of {len(means)}" if i in ranks else "-"
    return sorted(
        lines, key=lambda line: (line["value"] is None, -(line["value"].mean if line["value"] else 0))
    )


def terminal_table(
    results: pd.DataFrame, kinds: dict[str, str], reference: pd.DataFrame | None, reference_name: str = ""
) -> str:
    """Per (suite, dataset): a heading naming the headline, then one line per method, best first: the
    headline mean ± 95% interval over seeds and its rank among this run's methods and, when a reference run
    is given, the reference run's other methods (marked "ref"; this run's are "yours"), with the reference
    run's value of the same method beside this run's. Every line fits in WIDTH columns; summary.md has
    every column."""
    blocks = []
    for (suite, dataset), rows in results.groupby(["suite", "dataset"], sort=True):
        kind = kinds.get(suite, "effect")
        metric, variant = HEADLINE[kind]
        lines = ranked_lines(rows, reference, kind)
        records = [
            {
                "method": shorten(line["method"], METHOD_WIDTH),
                **({"run": "yours" if line["yours"] else "ref"} if reference is not None else {}),
                f"{metric} ± 95% interval": str(line["value"]) if line["value"] else line["state"],
                "rank": line["rank"],
                **(
                    {
                        "reference run": str(line["reference"])
                        if line["reference"]
                        else "-"
                        if line["yours"]
                        else ""
                    }
                    if reference is not None
                    else {}
                ),
            }
            for line in lines
        ]
        outcome, _ = headline_per_seed(rows, kind)
        arms = ", mean over arms" if (rows["arm"] == "mean").any() else ""
        heading = f"{suite} · {dataset} · {metric} ({variant}) on {outcome or '-'}{arms}, over seeds"
        table = pd.DataFrame.from_records(records).to_markdown(index=False, tablefmt="simple")
        blocks.append(f"{shorten(heading, WIDTH)}\n{table}")
    if reference is not None:
        note = f"ranked with the reference run's other methods (ref): {reference_name} (its suite's settings)"
        blocks.append(shorten(note, WIDTH))
    return "\n\n".join(blocks)
