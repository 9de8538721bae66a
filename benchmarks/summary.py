"""The end-of-run summary: method x dataset, headline metric mean and 95% t-interval over seeds."""

from __future__ import annotations

import pandas as pd

from benchmarks.scoring import HEADLINE


def headline_table(results: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """One row per (suite, dataset, method): the headline metric of the suite's kind on the first outcome
    (mean over arms where there are several), as mean ± half-width of the 95% t-interval over seeds, plus
    the PEHE against true effects where the data has them, and the number of skipped and failed cells."""
    from benchmarks.report.tables import estimate  # the report package loads matplotlib: not before cells

    records = []
    for (suite, dataset, method), group in results.groupby(["suite", "dataset", "method"], sort=True):
        metric, variant = HEADLINE[kinds.get(suite, "effect")]
        ok = group[(group["metric"] == metric) & (group["variant"] == variant) & (group["status"] == "ok")]
        if len(ok):
            first = ok["outcome"].iloc[0]
            ok = ok[ok["outcome"] == first]
            ok = ok[ok["arm"] == "mean"] if (ok["arm"] == "mean").any() else ok
            per_seed = ok.groupby("seed")["value"].mean()
        statuses = group.drop_duplicates("seed")["status"]
        errors = group[group["metric"] == "pehe"].groupby("seed")["value"].mean()
        records.append(
            {
                "suite": suite,
                "dataset": dataset,
                "method": method,
                "headline": f"{metric} ({variant})",
                "outcome": first if len(ok) else "-",
                "value": str(estimate(per_seed.to_numpy())) if len(ok) else "-",
                **(
                    {"pehe (mean over arms, outcomes)": str(estimate(errors.to_numpy()))}
                    if len(errors)
                    else {}
                ),
                "skipped": int((statuses == "skipped").sum()),
                "failed": int((statuses == "error").sum()),
                "note": "; ".join(sorted(set(group.loc[group["status"] != "ok", "reason"])))[:120],
            }
        )
    return pd.DataFrame.from_records(records)
