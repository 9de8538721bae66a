"""What `run --plan` prints, and the estimate a run prints when it starts: per suite, dataset and method
the cells in each state and the expected time of those to compute; the missing data files."""

from __future__ import annotations

import pandas as pd

from benchmarks.estimate import duration, wall_seconds
from benchmarks.plan import Cell
from benchmarks.state import FAILED, FINISHED, NO_DATA, SKIPPED, STATES, TO_COMPUTE, tally, to_compute


def plan_table(cells: list[Cell], states: dict[str, str], expected: dict[str, float | None]) -> str:
    """One line per (suite, dataset, method): its cells in each state and the expected time of those the
    run computes."""
    records = []
    for (suite, dataset, method), counts in tally(cells, states).items():
        computed = [
            expected[c.key]
            for c in cells
            if (c.suite, c.dataset, c.method) == (suite, dataset, method)
            and states[c.key] in (FAILED, TO_COMPUTE)
        ]
        known = [s for s in computed if s is not None]
        time = duration(sum(known)) + ("+?" if len(known) < len(computed) else "") if computed else "-"
        records.append(
            {
                "suite": suite,
                "dataset": dataset,
                "method": method,
                **{s: counts[s] for s in STATES},
                "time": time,
            }
        )
    return pd.DataFrame.from_records(records).to_markdown(index=False, tablefmt="simple")


def totals_line(states: dict[str, str]) -> str:
    counts = pd.Series(list(states.values())).value_counts()
    parts = ", ".join(
        f"{int(counts.get(s, 0))} {s}" for s in (FINISHED, SKIPPED, FAILED, NO_DATA, TO_COMPUTE)
    )
    return f"{len(states)} cells: {parts}"


def estimate_line(todo: list[Cell], expected: dict[str, float | None], jobs: int) -> str:
    """The expected CPU and wall time of the cells to compute, on `jobs` processes."""
    if not todo:
        return "estimate: nothing to compute"
    known = [expected[c.key] for c in todo if expected[c.key] is not None]
    unknown = len(todo) - len(known)
    cpu = sum(known)
    wall = wall_seconds([expected[c.key] or 0.0 for c in todo], jobs)
    caveat = f"; {unknown} cell(s) without a reference timing not counted" if unknown else ""
    return (
        f"estimate for the {len(todo)} cells to compute: {duration(cpu)} CPU, {duration(wall)} wall with "
        f"{jobs} process(es) (from the committed runs' recorded fit, predict and tuning seconds, scaled by "
        f"training rows{caveat})"
    )


def plan_text(cells: list[Cell], states: dict[str, str], expected, jobs: int, missing: str) -> str:
    """The whole of `run --plan`'s answer."""
    parts = [totals_line(states), plan_table(cells, states, expected)]
    if missing:
        parts.append(f"{missing}\n  (--skip-missing-data runs every cell whose data is present)")
    parts.append(estimate_line(to_compute(cells, states), expected, jobs))
    return "\n\n".join(parts)
