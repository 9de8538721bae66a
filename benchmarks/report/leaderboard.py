"""Leaderboards: per suite and dataset, every method ranked by its headline metric (mean and 95% t-interval
over seeds), with its paired difference to the best method over the seeds both ran, a paired t-test
(scipy) and Holm-adjusted p-values (statsmodels); and across many datasets or evaluators, a Friedman test
with Nemenyi post-hoc comparisons and a critical-difference diagram (scikit-posthocs)."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scikit_posthocs as posthocs
from scipy import stats
from statsmodels.stats.multitest import multipletests

from benchmarks.report.tables import estimate, headline_rows
from benchmarks.scoring import HEADLINE

ALPHA = 0.05
# Friedman comparisons over several suites: blocks are (suite, dataset, variant) of every AUCC variant.
# Every suite with three or more datasets (e.g. synthetic-mtmt's designs) gets its own over its datasets.
GROUPS = {"hcl": ("hcl-covertype", "hcl-census")}
MIN_BLOCKS = 3


def run_label(source: str, reference: bool) -> str:
    """The run a leaderboard row comes from: "results/hcl-covertype (reference)", "runs/mine (yours)"."""
    return f"{source} ({'reference' if reference else 'yours'})"


def outcome_of(rows: pd.DataFrame, metric: str, variant: str) -> str | None:
    """The first outcome with a successful headline value (the terminal summary's choice)."""
    ok = rows[(rows["metric"] == metric) & (rows["variant"] == variant) & (rows["status"] == "ok")]
    return None if ok.empty else ok["outcome"].iloc[0]


def leaderboard(rows: pd.DataFrame, metric: str, variant: str, outcome: str | None) -> pd.DataFrame:
    """One dataset's leaderboard: per method, best first, its rank, run, mean, 95% interval, n, and its
    paired difference to the best over their shared seeds with the paired t-test's p-value, raw and
    Holm-adjusted over the comparisons with the best. `rows` holds one suite and dataset, with columns
    `source` and `reference`."""
    per_seed = headline_rows(rows, rows["suite"].iloc[0], rows["dataset"].iloc[0], metric, variant, outcome)
    if per_seed.empty:
        return pd.DataFrame()
    runs = rows.drop_duplicates(["method", "source"]).groupby("method")
    labels = runs.apply(
        lambda g: "; ".join(run_label(s, r) for s, r in zip(g["source"], g["reference"], strict=True)),
        include_groups=False,
    )
    yours = runs["reference"].apply(lambda r: not r.all())
    table = per_seed.pivot(index="seed", columns="method", values="value")
    means = table.mean().sort_values(ascending=False, kind="stable")
    ranks = means.rank(ascending=False, method="min").astype(int)
    best = table[means.index[0]]
    records = []
    for method in means.index:
        values = table[method]
        e = estimate(values.dropna().to_numpy())
        shared = values.notna() & best.notna()
        diff = (values - best)[shared]
        testable = method != means.index[0] and len(diff) >= 2 and not np.allclose(diff, diff.iloc[0])
        p = stats.ttest_rel(values[shared], best[shared]).pvalue if testable else np.nan
        records.append(
            {
                "rank": int(ranks[method]),
                "method": method,
                "yours": bool(yours[method]),
                "run": labels[method],
                "mean": e.mean,
                "95% interval": "-" if e.low is None else f"[{e.low:.4f}, {e.high:.4f}]",
                "n": e.seeds,
                "difference to best": float(diff.mean()),
                "shared seeds": int(shared.sum()),
                "p": p,
            }
        )
    frame = pd.DataFrame.from_records(records)
    tested = frame["p"].notna()
    frame["p (Holm)"] = np.nan
    if tested.any():
        frame.loc[tested, "p (Holm)"] = multipletests(frame.loc[tested, "p"], alpha=ALPHA, method="holm")[1]
    return frame


@dataclass(frozen=True)
class Board:
    """One leaderboard: its suite, dataset, headline (metric, variant, outcome) and ranked frame."""

    suite: str
    dataset: str
    metric: str
    variant: str
    outcome: str | None
    frame: pd.DataFrame

    @property
    def title(self) -> str:
        outcome = f", outcome {self.outcome}" if self.outcome else ""
        return f"{self.suite} · {self.dataset} · {self.metric} ({self.variant}){outcome}"


def suite_kinds(results: pd.DataFrame) -> dict[str, str]:
    """Each suite's kind: cost when it has AUCC rows, else effect."""
    with_aucc = set(results.loc[results["metric"] == "aucc", "suite"])
    return {suite: "cost" if suite in with_aucc else "effect" for suite in results["suite"].unique()}


def boards(results: pd.DataFrame) -> list[Board]:
    """Every suite's and dataset's leaderboard on the suite's headline metric."""
    kinds = suite_kinds(results)
    gc.freeze()  # statsmodels' Holm runs gc.collect() per call (0.26 s each over the report's heap)
    try:
        return [
            board for key, data in headline_groups(results, kinds) if (board := make_board(key, data, kinds))
        ]
    finally:
        gc.unfreeze()


def headline_groups(results: pd.DataFrame, kinds: dict[str, str]):
    """((suite, dataset), rows of the suite's headline metric) per suite and dataset."""
    headline = pd.Series([HEADLINE[kinds[s]] for s in results["suite"]], index=results.index)
    rows = results[(results["metric"] == headline.str[0]) & (results["variant"] == headline.str[1])]
    return rows.groupby(["suite", "dataset"], sort=True)


def make_board(key: tuple[str, str], rows: pd.DataFrame, kinds: dict[str, str]) -> Board | None:
    """The leaderboard of one suite and dataset; None when no cell succeeded."""
    suite, dataset = key
    metric, variant = HEADLINE[kinds[suite]]
    outcome = outcome_of(rows, metric, variant)
    frame = leaderboard(rows, metric, variant, outcome)
    return None if frame.empty else Board(suite, dataset, metric, variant, outcome, frame)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A leaderboard as printed: numbers rounded, p-values in three significant digits, yours marked."""

    def p_text(p: float) -> str:
        return "-" if pd.isna(p) else f"{p:.3g}"

    return pd.DataFrame(
        {
            "rank": frame["rank"],
            "method": [
                f"{m} (yours)" if y else m for m, y in zip(frame["method"], frame["yours"], strict=True)
            ],
            "mean": frame["mean"].map(lambda v: f"{v:.4f}"),
            "95% interval": frame["95% interval"],
            "n": frame["n"],
            "difference to best": frame["difference to best"].map(lambda v: f"{v:+.4f}"),
            "shared seeds": frame["shared seeds"],
            "p": frame["p"].map(p_text),
            "p (Holm)": frame["p (Holm)"].map(p_text),
            "run": frame["run"],
        }
    )


LEADERBOARD_NOTE = (
    "Ranked by the mean over seeds of the suite's headline metric on test (arms averaged where there are "
    "several); 95% t-interval over seeds. Difference to best: the mean over the seeds both methods ran "
    "(the same splits) of this method's value minus the best method's; p: two-sided paired t-test over "
    "those seeds (scipy.stats.ttest_rel), '-' with fewer than two shared seeds or a constant difference; "
    "p (Holm): adjusted for the comparisons with the best (statsmodels multipletests, Holm)."
)


@dataclass(frozen=True)
class Friedman:
    """A Friedman test over blocks (datasets or evaluators): its name, the suites it covers, the block x
    method matrix of mean values, the statistic, its p-value, the Nemenyi p-values and what was left out."""

    name: str
    suites: tuple[str, ...]
    matrix: pd.DataFrame
    statistic: float
    p: float
    nemenyi: pd.DataFrame
    left_out: list[str]
    evaluators: bool  # blocks include several evaluators (metric variants) of the same predictions

    @property
    def ranks(self) -> pd.Series:
        """Each method's mean rank over blocks, 1 the best."""
        return self.matrix.rank(axis=1, ascending=False).mean().sort_values()


def block_matrix(results: pd.DataFrame, suites: tuple[str, ...], all_variants: bool) -> pd.DataFrame:
    """Mean over seeds of the headline metric, one row per block ((suite, dataset) or, with all_variants,
    (suite, dataset, variant) over every variant of the metric), one column per method."""
    cells = {}
    kinds = suite_kinds(results)
    for suite in suites:
        rows = results[results["suite"] == suite]
        metric, headline = HEADLINE[kinds[suite]]
        variants = sorted(set(rows.loc[rows["metric"] == metric, "variant"])) if all_variants else [headline]
        for dataset, data in rows.groupby("dataset", sort=True):
            outcome = outcome_of(data, metric, headline)
            for variant in variants:
                per_seed = headline_rows(data, suite, dataset, metric, variant, outcome)
                block = f"{suite} · {dataset}" + (f" · {variant}" if all_variants else "")
                cells[block] = per_seed.groupby("method")["value"].mean()
    return pd.DataFrame(cells).T


def friedman(name: str, matrix: pd.DataFrame, suites: tuple[str, ...], evaluators: bool) -> Friedman | None:
    """The Friedman test and Nemenyi post-hoc over the methods present in every block; None with fewer
    than MIN_BLOCKS blocks or three methods."""
    complete = matrix.dropna(axis=1)
    left_out = sorted(set(matrix.columns) - set(complete.columns))
    if len(complete) < MIN_BLOCKS or complete.shape[1] < 3:
        return None
    statistic, p = stats.friedmanchisquare(*(complete[m].to_numpy() for m in complete.columns))
    nemenyi = posthocs.posthoc_nemenyi_friedman(complete.to_numpy())
    nemenyi.index = nemenyi.columns = complete.columns
    return Friedman(name, suites, complete, float(statistic), float(p), nemenyi, left_out, evaluators)


def friedman_tests(results: pd.DataFrame) -> list[Friedman]:
    """The Friedman comparisons the results allow: each group of GROUPS whose suites are all present, and
    each suite with MIN_BLOCKS datasets or more."""
    present = set(results["suite"])
    tests = []
    for name, suites in GROUPS.items():
        if set(suites) <= present:
            tests.append(friedman(name, block_matrix(results, suites, all_variants=True), suites, True))
    for suite in sorted(present):
        if results.loc[results["suite"] == suite, "dataset"].nunique() >= MIN_BLOCKS:
            tests.append(
                friedman(suite, block_matrix(results, (suite,), all_variants=False), (suite,), False)
            )
    return [t for t in tests if t is not None]


def friedman_table(test: Friedman) -> pd.DataFrame:
    """Per method, best mean rank first: its mean rank, wins (blocks where it is best) and the Nemenyi
    p-value against the best-ranked method."""
    ranks = test.ranks
    best = ranks.index[0]
    wins = test.matrix.idxmax(axis=1).value_counts()
    return pd.DataFrame(
        {
            "method": ranks.index,
            "mean rank": ranks.map(lambda r: f"{r:.2f}").to_numpy(),
            "blocks won": [int(wins.get(m, 0)) for m in ranks.index],
            "Nemenyi p vs best": [
                "-" if m == best else f"{test.nemenyi.loc[m, best]:.3g}" for m in ranks.index
            ],
        }
    )


def friedman_notes(test: Friedman) -> list[str]:
    """What a Friedman table rests on: the test, the blocks and what was left out."""
    notes = [
        f"Friedman test over {len(test.matrix)} blocks and {test.matrix.shape[1]} methods: "
        f"chi-square {test.statistic:.2f}, p = {test.p:.3g} (scipy.stats.friedmanchisquare). Post-hoc: "
        "Nemenyi test (scikit-posthocs posthoc_nemenyi_friedman); in the critical-difference diagram, "
        f"methods joined by a bar do not differ at alpha {ALPHA}. Each block's value is the mean over seeds.",
        "Blocks: " + "; ".join(test.matrix.index) + ".",
    ]
    if test.evaluators:
        notes.append(
            "Evaluators of the same predictions are not independent blocks: read the p-values as a guide."
        )
    if test.left_out:
        notes.append("Left out (not run in every block): " + ", ".join(test.left_out) + ".")
    return notes


def critical_difference(test: Friedman, out: Path) -> list[Path]:
    """The critical-difference diagram of a Friedman test (scikit-posthocs), as PNG and PDF."""
    from benchmarks.report import figures  # matplotlib and its style

    figures.fresh_style()
    height = 0.32 * test.matrix.shape[1] + 1.4
    fig, ax = figures.plt.subplots(figsize=(10, height))
    posthocs.critical_difference_diagram(test.ranks, test.nemenyi, ax=ax, alpha=ALPHA)
    ax.set_title(
        f"{test.name}: mean rank over {len(test.matrix)} blocks (1 = best; Friedman p = {test.p:.3g})", pad=24
    )
    return figures.save(fig, out, f"friedman-{test.name}")


def write_markdown(boards_: list[Board], tests: list[Friedman], out: Path, source: str) -> list[Path]:
    """tables/leaderboard-<suite>.md (a section per dataset) and tables/friedman-<name>.md."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for suite in sorted({b.suite for b in boards_}):
        sections = [
            f"### {b.title}\n\n{shown(b.frame).to_markdown(index=False)}\n"
            for b in boards_
            if b.suite == suite
        ]
        path = out / f"leaderboard-{suite}.md"
        path.write_text(
            f"## Leaderboards: {suite}\n\n" + "\n".join(sections) + f"\n{LEADERBOARD_NOTE}\n\n{source}\n"
        )
        written.append(path)
    for test in tests:
        path = out / f"friedman-{test.name}.md"
        notes = "".join(f"{n}\n\n" for n in [*friedman_notes(test), source])
        path.write_text(
            f"## Friedman test: {test.name}\n\n{friedman_table(test).to_markdown(index=False)}\n\n{notes}"
        )
        written.append(path)
    return written
