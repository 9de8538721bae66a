"""MTMT's `stop_gradient` default, chosen on VALIDATION data: MTMT with the stop-gradient through y0 on
and off, fitted on a suite's datasets exactly as the harness fits an untuned cell (its split and seeds:
benchmarks/splits.py, benchmarks/seeds.py), scored on the validation split, never on test.

Score: the suite kind's headline metric (benchmarks/scoring.py HEADLINE; for "effect" the Qini in
scikit-uplift's normalisation, mean over arms) on the first outcome; where the data has true effects, also
the PEHE (mean over arms and outcomes), which then decides. The rule, fixed before the runs: keep the
paper's formula (stop_gradient off) unless the stop-gradient is better on validation with the 95%
t-interval of the paired per-seed difference excluding 0.

Each fit is appended to results/stop-gradient/validation.csv (an interrupted run resumes where it
stopped); the tables replace the marked section of docs/reproduction-mtmt.md.

    python scripts/choose_stop_gradient.py --suite mtmt-hillstrom --seeds 5 [--data-dir DIR]
    python scripts/choose_stop_gradient.py --suite synthetic-mtmt --datasets mtmt-K8-n1000-g0.3 --seeds 5
    python scripts/choose_stop_gradient.py --tables
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "results" / "stop-gradient" / "validation.csv"
DOC = ROOT / "docs" / "reproduction-mtmt.md"
BEGIN, END = "<!-- choose_stop_gradient: begin -->", "<!-- choose_stop_gradient: end -->"
LABELS = {False: "off (paper)", True: "on (authors' code)"}


def fit_and_score(cell, data_dir: str | None) -> dict:
    """One untuned MTMT fit on the cell's training rows (early stop on validation, as the harness does)
    and its validation scores."""
    from benchmarks.cell import load_data, registry
    from benchmarks.seeds import derive_seed
    from benchmarks.splits import split_indices
    from benchmarks.tuning import headline, score_split
    from methods.core.base import ValidationSet
    from metrics.effects import pehe

    data = load_data(cell.data_key, data_dir)
    train_rows, valid_rows, _ = split_indices(data, cell.split, derive_seed("split", cell.dataset, cell.seed))
    train, valid = data.subset(train_rows), data.subset(valid_rows)
    method = registry().get(cell.method_name)(**cell.params)
    start = time.perf_counter()
    method.fit(
        train.X,
        train.treatment,
        train.y,
        valid=ValidationSet(valid.X, valid.treatment, valid.y, valid.cost),
        seed=derive_seed("model", cell.dataset, cell.seed),
    )
    rows = score_split(method, valid, data.arm_names, data.outcome_names, cell.kind)
    record = {
        "suite": cell.suite,
        "dataset": cell.dataset,
        "stop_gradient": bool(method.params_["stop_gradient"]),
        "seed": cell.seed,
        "outcome": data.outcome_names[0],
        "headline": headline(rows, cell.kind, data.outcome_names[0]),
        "pehe": np.nan,
        "fit_seconds": time.perf_counter() - start,
    }
    if valid.tau is not None:
        record["pehe"] = float(pehe(valid.tau, method.predict(valid.X)).mean())
    return record


def run(args) -> None:
    from benchmarks.cell import registry
    from benchmarks.plan import cells_of, resolve_suite

    suite = resolve_suite(args.suite)
    labels = [e.label or e.name for e in suite.methods if e.name == "mtmt"]
    cells = [
        c
        for c in cells_of(
            suite, registry(), methods=labels, dataset_names=args.datasets, seeds=args.seeds, trials=0
        )
        if set(c.params) - {"max_epochs"} == {"stop_gradient"}  # the two settings, nothing else changed
    ]
    done = set()
    if OUT.exists():
        old = pd.read_csv(OUT)
        done = set(zip(old["suite"], old["dataset"], old["stop_gradient"], old["seed"], strict=True))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    for cell in cells:
        if (cell.suite, cell.dataset, bool(cell.params["stop_gradient"]), cell.seed) in done:
            continue
        record = fit_and_score(cell, args.data_dir)
        pd.DataFrame([record]).to_csv(OUT, mode="a", header=not OUT.exists(), index=False)
        print(f"{cell.key}: {record['headline']:.4f} pehe {record['pehe']:.4f} {record['fit_seconds']:.0f}s")


def interval(values: np.ndarray) -> str:
    from benchmarks.report.tables import estimate

    e = estimate(values)
    if e.low is None:
        return f"{e.mean:.4f} (1 seed)"
    return f"{e.mean:.4f} [{e.low:.4f}, {e.high:.4f}]"


def decide(difference: np.ndarray, lower_is_better: bool) -> tuple[bool, str]:
    """The rule: stop-gradient (on) only if better with the paired 95% interval excluding 0."""
    from benchmarks.report.tables import estimate

    e = estimate(difference)
    gain = -difference if lower_is_better else difference
    g = estimate(gain)
    if g.low is not None and g.low > 0:
        return True, "the stop-gradient is better and the paired interval excludes 0"
    if e.low is None:
        return False, "one seed: no interval, so the paper's formula stays"
    if g.high is not None and g.high < 0:
        return False, "the stop-gradient is worse and the paired interval excludes 0"
    return False, "the paired interval includes 0, so the paper's formula stays"


def table(group: pd.DataFrame) -> tuple[str, bool, str]:
    """Per-seed scores of both settings, their means with 95% intervals, and the paired difference."""
    by_truth = group["pehe"].notna().all()
    metric = "pehe" if by_truth else "headline"
    name = "PEHE (lower is better)" if by_truth else f"Qini (sklift), {group['outcome'].iloc[0]}"
    wide = group.pivot_table(index="seed", columns="stop_gradient", values=metric)
    wide = wide.reindex(columns=[False, True]).dropna()  # seeds with both settings
    if wide.empty:
        return f"Validation {name}: no seed with both settings yet.", False, "no paired seeds"
    difference = (wide[True] - wide[False]).to_numpy()
    lines = [f"| seed | {LABELS[False]} | {LABELS[True]} | on − off |", "|---|---|---|---|"]
    for seed, row in wide.iterrows():
        lines.append(f"| {seed} | {row[False]:.4f} | {row[True]:.4f} | {row[True] - row[False]:+.4f} |")
    lines.append(
        f"| mean [95% interval] | {interval(wide[False].to_numpy())} | {interval(wide[True].to_numpy())} "
        f"| {interval(difference)} |"
    )
    use, why = decide(difference, lower_is_better=by_truth)
    seeds = f"{len(wide)} seed{'s' if len(wide) != 1 else ''}"
    return f"Validation {name}, {seeds}:\n\n" + "\n".join(lines), use, why


def tables() -> str:
    records = pd.read_csv(OUT)
    parts = []
    for (suite, dataset), group in records.groupby(["suite", "dataset"], sort=False):
        text, use, why = table(group)
        parts.append(
            f"**{suite} / {dataset}**: {text}\n\nChoice from these rows: stop_gradient "
            f"{'on' if use else 'off'} ({why})."
        )
    return "\n\n".join(parts)


def write_tables() -> None:
    doc = DOC.read_text()
    section = f"{BEGIN}\n{tables()}\n{END}"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise SystemExit(f"{DOC} has no {BEGIN} ... {END} section")
    DOC.write_text(pattern.sub(lambda _: section, doc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="mtmt-hillstrom")
    parser.add_argument("--datasets", nargs="+", help="dataset labels of the suite (default: all)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--data-dir")
    parser.add_argument("--tables", action="store_true", help="only rewrite the tables from the CSV")
    args = parser.parse_args()
    if not args.tables:
        run(args)
    write_tables()


if __name__ == "__main__":
    main()
