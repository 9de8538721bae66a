"""The results store of a run folder: one parquet file per finished cell, written atomically, so a killed
run resumes without recomputing or duplicating anything; results.parquet is their concatenation."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def write_atomically(frame: pd.DataFrame, target: Path) -> None:
    """Write to a temporary name in the same folder, then rename (atomic on POSIX)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, target)


class ResultsStore:
    """OUT/cells/<key>.parquet (result rows), OUT/predictions/<key>.parquet, OUT/results.parquet."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.cells = self.out / "cells"
        self.predictions = self.out / "predictions"

    def finished(self) -> set[str]:
        """Keys of the cells already stored."""
        return {p.stem for p in self.cells.glob("*.parquet")} if self.cells.is_dir() else set()

    def save(self, key: str, rows: pd.DataFrame, predictions: pd.DataFrame | None) -> None:
        """Store one cell: predictions first, then the rows that mark the cell finished."""
        if predictions is not None:
            write_atomically(predictions, self.predictions / f"{key}.parquet")
        write_atomically(rows, self.cells / f"{key}.parquet")

    def forget(self, keys: set[str]) -> None:
        """Remove stored cells (for --force)."""
        for key in keys:
            for folder in (self.cells, self.predictions):
                (folder / f"{key}.parquet").unlink(missing_ok=True)

    def merge(self) -> pd.DataFrame:
        """Every stored row, also written to results.parquet."""
        frames = [pd.read_parquet(self.cells / f"{key}.parquet") for key in sorted(self.finished())]
        results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        write_atomically(results, self.out / "results.parquet")
        return results
