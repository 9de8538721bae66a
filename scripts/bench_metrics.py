"""Benchmark: every metric at 1M and 14M rows against scikit-uplift 0.5.1 and causalml 0.18, same run.

Writes docs/perf/metrics.md (seconds, speed-up over the faster library, largest absolute difference).

    python scripts/bench_metrics.py [--sizes 1000000 13979592] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402
from metrics import areas, at_k, aucc, effects, multiarm, policy  # noqa: E402
from metrics.ranking import sort_threads  # noqa: E402


def timed(function, repeats: int = 3):
    """The value and the best time of `repeats` calls (the first call also pays for fresh memory)."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        seconds.append(time.perf_counter() - start)
    return float(value), min(seconds)


@contextmanager
def one_thread():
    """Our metrics sort on one thread inside the block (they read OMP_NUM_THREADS per call)."""
    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = before


def synthetic(n: int) -> SimpleNamespace:
    """Seeded random inputs: continuous scores, 85% treated, binary outcome, cost; and a three-arm
    version (arm codes 0..3, one score column per arm, known propensities, true and estimated effects)."""
    rng = np.random.default_rng(n)
    s = rng.normal(size=n)
    t = (rng.random(n) < 0.85).astype(np.int64)
    y = (rng.random(n) < 0.04 + 0.01 * t * (s > 0)).astype(np.float64)
    arms = rng.integers(0, 4, n)
    scores = rng.normal(size=(n, 3))
    best = np.where(scores.max(axis=1) > 0, scores.argmax(axis=1) + 1, 0)
    return SimpleNamespace(
        s=s, t=t, y=y, c=rng.random(n) * (1 + t), arms=arms, scores=scores,
        propensity=np.full((n, 4), 0.25), policy=best,
        tau=scores * 0.01, tau_hat=scores * 0.01 + rng.normal(scale=0.01, size=(n, 3)),
    )  # fmt: skip


def causalml_area(which: str):
    """causalml's normalised area for one model column, as the metric tests call it."""
    from causalml.metrics import auuc_score, qini_score

    score = {"qini": qini_score, "auuc": auuc_score}[which]

    def area(s, t, y):
        frame = pd.DataFrame({"y": y, "w": t, "model": s})
        return score(frame, outcome_col="y", treatment_col="w")["model"]

    return area


def sklift_mean_over_arms(d: SimpleNamespace) -> float:
    """scikit-uplift's Qini area per arm on control and that arm's rows, then the mean."""
    from sklift.metrics import qini_auc_score

    values = []
    for k in range(1, d.scores.shape[1] + 1):
        rows = (d.arms == 0) | (d.arms == k)
        values.append(qini_auc_score(d.y[rows], d.scores[rows, k - 1], (d.arms[rows] == k).astype(int)))
    return float(np.mean(values))


def cases(d: SimpleNamespace) -> list:
    """(metric, ours, scikit-uplift, causalml) as calls without arguments; None where a library has no
    equal definition."""
    from sklift.metrics import qini_auc_score, uplift_at_k, uplift_auc_score

    return [
        ("qini (sklift normalisation)", lambda: areas.qini_sklift(d.s, d.t, d.y),
         lambda: qini_auc_score(d.y, d.s, d.t), None),
        ("auuc (sklift normalisation)", lambda: areas.auuc_sklift(d.s, d.t, d.y),
         lambda: uplift_auc_score(d.y, d.s, d.t), None),
        ("uplift@30% (overall)", lambda: at_k.uplift_at_k(d.s, d.t, d.y, 0.3),
         lambda: uplift_at_k(d.y, d.s, d.t, strategy="overall", k=0.3), None),
        ("uplift@30% (by group)", lambda: at_k.uplift_at_k(d.s, d.t, d.y, 0.3, "by_group"),
         lambda: uplift_at_k(d.y, d.s, d.t, strategy="by_group", k=0.3), None),
        ("qini (causalml normalisation)", lambda: areas.qini_causalml(d.s, d.t, d.y), None,
         lambda: causalml_area("qini")(d.s, d.t, d.y)),
        ("auuc (causalml normalisation)", lambda: areas.auuc_causalml(d.s, d.t, d.y), None,
         lambda: causalml_area("auuc")(d.s, d.t, d.y)),
        ("qini, mean over 3 arms (sklift)",
         lambda: multiarm.per_arm(areas.qini_sklift, d.scores, d.arms, d.y)[1],
         lambda: sklift_mean_over_arms(d), None),
        *[(f"aucc ({variant})", lambda variant=variant: aucc.aucc(d.s, d.t, d.y, d.c, variant), None, None)
          for variant in aucc.VARIANTS],
        ("value at 10% of the cost", lambda: aucc.value_at_cost(d.s, d.t, d.y, d.c, [0.1])[0], None, None),
        ("policy value (IPW, 4 arms)", lambda: policy.policy_value(d.policy, d.arms, d.y, d.propensity),
         None, None),
        ("pehe (3 arms)", lambda: effects.pehe(d.tau, d.tau_hat).mean(), None, None),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 13_979_592])
    parser.add_argument("--repeats", type=int, default=3, help="calls per timing; the best is kept")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    for n in args.sizes:
        data = synthetic(n)
        for name, ours, sklift, causalml in cases(data):
            value, seconds = timed(ours, args.repeats)
            with one_thread():
                _, serial_seconds = timed(ours, args.repeats)
            row = {"rows": n, "metric": name, "ours (s)": seconds, "ours, 1 thread (s)": serial_seconds}
            for library, function in (("scikit-uplift", sklift), ("causalml", causalml)):
                if function is not None:
                    theirs, their_seconds = timed(function, args.repeats)
                    row[f"{library} (s)"] = their_seconds
                    row["max abs difference"] = abs(theirs - value)
            fastest = min(row.get(f"{library} (s)", np.inf) for library in ("scikit-uplift", "causalml"))
            if np.isfinite(fastest):
                row["speed-up"] = fastest / seconds
                row["speed-up, 1 thread"] = fastest / serial_seconds
            rows.append(row)
            print(row, flush=True)
    columns = ["rows", "metric", "ours (s)", "ours, 1 thread (s)", "scikit-uplift (s)", "causalml (s)"]
    columns += ["max abs difference", "speed-up", "speed-up, 1 thread"]
    table = pd.DataFrame(rows).reindex(columns=columns)
    load = f"1-minute load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end"
    write_page(
        "metrics",
        "Metrics: speed and agreement",
        f"Measured by `python scripts/bench_metrics.py` on {machine()}, random continuous scores (no ties: "
        "causalml does not group tied scores), 85% treated. Seconds per call, the best of `--repeats` calls "
        f"({args.repeats}). Ours sorts on {sort_threads()} threads (one per CPU) and, in the '1 thread' "
        "column, on one, as both libraries do. Speed-up = the faster library's time / ours; the difference "
        "is between our value and the library's. AUCC, the value at a cost share, the policy value and PEHE "
        "have no library implementation to compare with; the multi-arm mean is compared with one "
        "scikit-uplift call per arm. Other processes may share the CPUs, so absolute times vary between runs "
        f"({load}); the speed-ups compare calls of the same run.",
        table,
        "Target: at 14M rows at least 3 times faster than the faster of the two, same values.",
    )


if __name__ == "__main__":
    main()
