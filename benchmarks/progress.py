"""The progress bar of a run: it advances by each cell's expected seconds, not by one per cell, so the
remaining time it shows weighs a 3-minute cell 18,000 times a 0.01-second one; before the first cell ends
and until a minute of expected work per process has ended (a run that starts with many instant cells, or
whose first long cells are still running, would otherwise extrapolate hours from seconds) it shows the
estimate (benchmarks/estimate.py); then the average rate since the start, not a moving one, which a mix of
0.01-second and 3-minute cells swings."""

from __future__ import annotations

from tqdm import tqdm

from benchmarks.plan import Cell

FORMAT = "{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}"
UNKNOWN = 1.0  # the weight of a cell without a reference timing (seconds)
WARM_UP = 60.0  # expected seconds of work per process to end before the measured rate is shown


class CellProgress(tqdm):
    """A tqdm bar over `cells`, the `todo` ones still to run on `workers` processes, weighted by
    `expected` seconds by key (None or absent: UNKNOWN)."""

    def __init__(self, cells: list[Cell], todo: list[Cell], expected: dict, workers: int = 1) -> None:
        self.weights = {c.key: expected.get(c.key) or UNKNOWN for c in cells}
        self.cells_total, self.workers = len(cells), max(1, workers)
        self.cells_done = len(cells) - len(todo)
        done = sum(self.weights[c.key] for c in cells) - sum(self.weights[c.key] for c in todo)
        total = sum(self.weights.values())
        super().__init__(total=total, initial=done, bar_format=FORMAT, dynamic_ncols=True, smoothing=0)
        self.set_description_str(self.counted(), refresh=False)

    def counted(self) -> str:
        return f"{self.cells_done}/{self.cells_total} cells"

    def advance(self, cell: Cell) -> None:
        """One more cell finished."""
        self.cells_done += 1
        self.set_description_str(self.counted(), refresh=False)
        self.update(self.weights.get(cell.key, UNKNOWN))

    @property
    def format_dict(self):
        """tqdm's fields, with the expected rate (one expected second per second and process) until
        WARM_UP expected seconds per process have ended in this run."""
        fields = super().format_dict
        if fields["n"] - fields.get("initial", 0) < WARM_UP * self.workers:
            fields["rate"] = float(self.workers)
        return fields
