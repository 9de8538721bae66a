"""A run folder's state, cell by cell: the one answer that `run --plan`, resume, the progress bar and the
summary share.

A cell is finished (stored ok, with intact predictions and curves files), skipped (stored as not
applicable), failed (stored with an error: computed again), without its data (its raw file is missing:
recorded as "data not available" with --skip-missing-data, computed once the file is there) or to compute
(never stored, or its files are damaged)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from benchmarks.plan import Cell
from benchmarks.store import ResultsStore

FINISHED = "finished"
SKIPPED = "skipped"
FAILED = "failed"
NO_DATA = "data not available"
TO_COMPUTE = "to compute"
STATES = (FINISHED, SKIPPED, FAILED, NO_DATA, TO_COMPUTE)
COMPUTED = (FAILED, TO_COMPUTE)  # the states a run computes


def cell_states(
    cells: Iterable[Cell], store: ResultsStore, *, missing: Iterable[str] = (), force: bool = False
) -> dict[str, str]:
    """Each cell's state by key; `missing`: the data keys whose raw files are absent; with `force` every
    cell whose data is present is to compute (a finished one without its data is kept). Reads the cell
    files' footers only (no folder is created)."""
    stored = store.stored()
    finished = store.finished()
    missing = set(missing)
    states = {}
    for cell in cells:
        status = stored.get(cell.key)
        if cell.key in finished and not (force and cell.data_key not in missing):
            status = status or store.status_column(cell.key)
            states[cell.key] = SKIPPED if status == "skipped" else FINISHED
        elif cell.data_key in missing:
            states[cell.key] = NO_DATA
        elif status == "error" and not force:
            states[cell.key] = FAILED
        else:
            states[cell.key] = TO_COMPUTE
    return states


def to_compute(cells: list[Cell], states: dict[str, str]) -> list[Cell]:
    """The cells a run computes, in order."""
    return [c for c in cells if states[c.key] in COMPUTED]


def tally(cells: Iterable[Cell], states: dict[str, str]) -> dict[tuple[str, str, str], Counter]:
    """Per (suite, dataset, method): how many cells are in each state."""
    counts: dict[tuple[str, str, str], Counter] = {}
    for cell in cells:
        counts.setdefault((cell.suite, cell.dataset, cell.method), Counter())[states[cell.key]] += 1
    return counts
