"""The claims scorecard: every claim of the two papers that public data can test (claims.toml), evaluated
from the runs' results: the paper's number, ours with its 95% interval over seeds and n, and a verdict."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.report.tables import MIN_SEEDS, Estimate, estimate, headline_rows, verdict

CLAIMS = Path(__file__).with_name("claims.toml")
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "results"  # the committed reference runs
COLUMNS = ("claim", "source", "paper", "ours (95% interval, n)", "verdict", "suite")


class MissingData(Exception):
    """A claim's rows are not in the results; the message names the file that would hold them."""


@dataclass(frozen=True)
class ClaimResult:
    """One line of the scorecard."""

    claim: str
    source: str
    paper: str
    ours: str
    verdict: str
    suite: str


def scorecard_rule() -> str:
    """The note under the scorecard: how each kind of test gives its verdict."""
    return (
        f"Verdicts, from at least {MIN_SEEDS} seeds (else 'too few seeds'), 95% t-intervals over seeds "
        "on the test split. A number: 'reproduced' when the paper's number lies inside our interval, "
        "else 'above' or 'below' (our mean against the paper's). A paired claim (A over B, per seed on "
        "the same split): 'holds' when the interval of the per-seed difference (or ratio - 1) is clear of 0 "
        "in the claimed direction, 'reversed' when it is clear of 0 the other way, 'not shown' when it "
        "includes 0; where the paper's size was measured on the same public data, its size is judged by "
        "the number's rule. An ordering: 'holds' when every pair the paper orders is in that order with its "
        "paired interval clear of 0, 'does not hold' when a pair is clearly reversed, 'not resolved' "
        "otherwise; ours lists the methods by our means. A trend: the per-seed slope of the paired "
        "advantage over log2 K, judged as a paired claim. 'data not available' names the results file "
        "that lacks the rows. Numbers the paper measured on private data are marked so: only the claim's "
        "direction is tested, on a public stand-in."
    )


def load_claims(path: Path = CLAIMS) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The claims, each merged with the rows it names, and the display names of methods."""
    spec = tomllib.loads(path.read_text())
    return [{**spec["rows"][c["rows"]], **c} for c in spec["claim"]], spec.get("names", {})


def shown(folder: Path) -> str:
    """A run folder as the scorecard names it: an absolute one inside the repository made relative."""
    root = REFERENCE_DIR.parent
    return folder.relative_to(root).as_posix() if folder.is_relative_to(root) else folder.as_posix()


def missing(results: pd.DataFrame, suite: str, dataset: str, method: str) -> MissingData:
    """Why a claim's rows are absent, naming the results file that lacks them."""
    suite_rows = results[results["suite"] == suite]
    if suite_rows.empty:
        reference = REFERENCE_DIR / suite / "results.parquet"
        state = "not among the runs read" if reference.is_file() else "not found"
        return MissingData(f"data not available (results/{suite}/results.parquet {state})")
    sources = sorted(set(suite_rows["source"])) if "source" in suite_rows else [f"results/{suite}"]
    files = ", ".join(f"{shown(Path(s))}/results.parquet" for s in sources)
    what = f"{dataset} rows" if (suite_rows["dataset"] != dataset).all() else f"{method} rows on {dataset}"
    return MissingData(f"data not available (no {what} in {files})")


class Rows:
    """The results, each claim's headline rows selected once per (suite, dataset, metric, variant,
    outcome) however many claims and methods ask for them."""

    def __init__(self, results: pd.DataFrame) -> None:
        self.results = results
        self.selected: dict[tuple, pd.DataFrame] = {}

    def per_seed(self, claim: dict[str, Any], method: str, dataset: str | None = None) -> pd.Series:
        """Our per-seed test values of one method (indexed by seed); MissingData if there are none."""
        dataset = dataset or claim["dataset"]
        key = (claim["suite"], dataset, claim["metric"], claim["variant"], claim.get("outcome"))
        if key not in self.selected:
            self.selected[key] = headline_rows(self.results, *key)
        rows = self.selected[key]
        values = rows.loc[rows["method"] == method].set_index("seed")["value"]
        if values.empty:
            raise missing(self.results, claim["suite"], dataset, method)
        return values


def advantage(a: pd.Series, b: pd.Series, claim: dict[str, Any], relative: bool = False) -> pd.Series:
    """Per shared seed, how much a beats b: a - b (or a / b - 1), reversed where lower is better."""
    seeds = sorted(set(a.index) & set(b.index))
    a, b = a[seeds], b[seeds]
    if claim.get("lower_is_better"):
        a, b = b, a
    return a / b - 1 if relative else a - b


def direction(gain: Estimate) -> str:
    """'holds', 'reversed' or 'not shown': where the interval of a paired gain lies against 0."""
    if gain.seeds < MIN_SEEDS:
        return "too few seeds"
    if gain.low > 0:
        return "holds"
    return "reversed" if gain.high < 0 else "not shown"


def signed(gain: Estimate, percent: bool) -> str:
    """A paired gain as mean ± half-width of its 95% interval, with n."""
    style = "+.1%" if percent else "+.4f"
    if gain.low is None:
        return f"{gain.mean:{style}} (1 seed)"
    half = (gain.high - gain.low) / 2
    return f"{gain.mean:{style}} ± {half:{style[1:]}} (n={gain.seeds})"


def printed(number: float, sign: str = "") -> str:
    """A paper's number as papers print them: three decimals, four below 0.1."""
    return f"{number:{sign}.{3 if abs(number) >= 0.1 else 4}f}"


def interval_claim(rows: Rows, claim, names) -> tuple[str, str, str]:
    """The paper's number against our interval over seeds: (paper, ours, verdict)."""
    ours = estimate(rows.per_seed(claim, claim["method"]).to_numpy())
    return printed(claim["paper"]), str(ours), verdict(ours, claim["paper"])


def paired_claim(rows: Rows, claim, names) -> tuple[str, str, str]:
    """A over B per shared seed, and the paper's size where it was measured on the same data."""
    relative = claim["scale"] == "relative"
    a, b = (rows.per_seed(claim, claim[key]) for key in ("better", "than"))
    gain = estimate(advantage(a, b, claim, relative).to_numpy())
    paper = claim_paper(claim, names)
    result = direction(gain)
    if claim.get("paper_data") == "private":
        paper += " (private data)"
    elif result != "too few seeds" and "paper" in claim:
        result += f"; size {verdict(gain, claim['paper'])}"
    return paper, signed(gain, relative), result


def ordering_claim(rows: Rows, claim, names) -> tuple[str, str, str]:
    """The paper's order of methods against our means and every pair's paired interval."""
    methods = claim["methods"]
    values = {m: rows.per_seed(claim, m) for m in methods}
    means = {m: v.mean() for m, v in values.items()}
    ours = sorted(methods, key=lambda m: means[m], reverse=not claim.get("lower_is_better"))
    gains = [
        estimate(advantage(values[a], values[b], claim).to_numpy())
        for i, a in enumerate(methods)
        for b in methods[i + 1 :]
    ]
    n = min(g.seeds for g in gains)
    agree = sum(g.low is not None and g.low > 0 for g in gains)
    reversed_ = sum(g.high is not None and g.high < 0 for g in gains)
    if n < MIN_SEEDS:
        result = "too few seeds"
    elif reversed_:
        result = "does not hold"
    else:
        result = "holds" if agree == len(gains) else "not resolved"
    order = " > ".join(names.get(m, m) for m in ours)
    pairs = f"{agree} of {len(gains)} pairs clearly in the paper's order, {reversed_} clearly reversed"
    return claim_paper(claim, names), f"{order} (n={n}; {pairs})", result


def trend_claim(rows: Rows, claim, names) -> tuple[str, str, str]:
    """The per-seed slope over log2 x of the paired advantage across the claim's datasets."""
    points = claim["points"]
    gains = [
        advantage(
            rows.per_seed(claim, claim["better"], p["dataset"]),
            rows.per_seed(claim, claim["than"], p["dataset"]),
            claim,
        )
        for p in points
    ]
    frame = pd.concat(gains, axis=1, join="inner")
    x = np.log2([p["x"] for p in points])
    slopes = np.array([np.polyfit(x, row, 1)[0] for row in frame.to_numpy()])
    slope = estimate(slopes)
    return claim_paper(claim, names), signed(slope, percent=False) + " per doubling of K", direction(slope)


TESTS = {"interval": interval_claim, "paired": paired_claim, "ordering": ordering_claim, "trend": trend_claim}


def evaluate(results: pd.DataFrame, path: Path = CLAIMS) -> list[ClaimResult]:
    """Every claim of claims.toml judged on the results (rows of one or more run folders)."""
    claims, names = load_claims(path)
    wanted = results["suite"].isin({c["suite"] for c in claims}) & results["metric"].isin(
        {c["metric"] for c in claims}
    )
    rows = Rows(results[wanted])
    scored = []
    for claim in claims:
        try:
            paper, ours, result = TESTS[claim["test"]](rows, claim, names)
        except MissingData as reason:
            paper, ours, result = claim_paper(claim, names), "-", str(reason)
        scored.append(ClaimResult(claim["statement"], claim["source"], paper, ours, result, claim["suite"]))
    return scored


def claim_paper(claim: dict[str, Any], names: dict[str, str]) -> str:
    """The paper's side of a claim, as shown when our rows are missing."""
    if claim["test"] == "ordering":
        return " > ".join(names.get(m, m) for m in claim["methods"])
    if claim["test"] == "trend":
        return "grows with K"
    if claim["test"] == "paired" and "paper" not in claim:  # a premise the paper states without a number
        return f"{names.get(claim['better'], claim['better'])} > {names.get(claim['than'], claim['than'])}"
    if claim["test"] == "paired" and claim["scale"] == "relative":
        return f"{claim['paper']:+.1%}"
    return printed(claim["paper"], "+") if claim["test"] == "paired" else printed(claim["paper"])


def scorecard_frame(scored: list[ClaimResult]) -> pd.DataFrame:
    """The scorecard as a frame with the columns of COLUMNS."""
    return pd.DataFrame([list(vars(s).values()) for s in scored], columns=list(COLUMNS))


def scorecard_markdown(scored: list[ClaimResult]) -> str:
    """The scorecard as a markdown table (the README's table is this text)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for s in scored:
        cells = (str(v).replace("|", "\\|") for v in vars(s).values())
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_claims(scored: list[ClaimResult], out: Path, provenance: str) -> Path:
    """out/claims.md: the scorecard, its verdict rule and where it came from."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "claims.md"
    path.write_text(
        "# Claims scorecard\n\nEvery claim of the two papers that public data can test "
        "(`benchmarks/report/claims.toml`), judged on our runs.\n\n"
        f"{scorecard_markdown(scored)}\n{scorecard_rule()}\n\n{provenance}\n"
    )
    return path
