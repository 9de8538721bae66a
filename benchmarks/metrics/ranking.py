"""One sort of the scores, shared by every curve: tie blocks, their cumulative sums, and top-m sums.

Tie rule (docs/metrics.md): rows are ranked by score, descending. Rows with equal scores form one block;
curves are evaluated only at block ends, so their values do not depend on the order inside a block. A
cut that falls inside a block (uplift@k, the HCL code's deciles) takes the block's rows with the highest
row index first, the order scikit-uplift's `np.argsort(score, kind="mergesort")[::-1]` gives.
"""

from __future__ import annotations

import numpy as np


class Ranking:
    """Scores sorted once (descending). `ends[b]` is the number of rows in blocks before b, from
    `ends[0] = 0` to `ends[-1] = n`; cumulative sums are indexed the same way."""

    def __init__(self, score: np.ndarray) -> None:
        self.score = score
        self.order = np.argsort(score)[::-1]
        ranked = score[self.order]
        changes = ranked[1:] != ranked[:-1]
        self.untied = bool(changes.all())  # every row its own block: no indexing at block ends needed
        if self.untied:
            self.block_score, self.ends = ranked, np.arange(score.shape[0] + 1)
        else:
            starts = np.r_[0, np.flatnonzero(changes) + 1]
            self.block_score, self.ends = ranked[starts], np.r_[starts, score.shape[0]]

    def ranked(self, values: np.ndarray) -> np.ndarray:
        """`values` in ranking order."""
        return values[self.order]

    def ranked_cumsum(self, ranked: np.ndarray) -> np.ndarray:
        """Sum of already ranked values over the rows before each block end (first entry 0: no rows)."""
        counts = ranked.dtype == bool and ranked.shape[0] < 2**31  # int32 running counts are 10x faster
        sums = np.cumsum(ranked, dtype=np.int32 if counts else np.float64)
        out = np.zeros(self.ends.shape[0])
        out[1:] = sums if self.untied else sums[self.ends[1:] - 1]
        return out

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Sum of `values` over the rows before each block end (first entry 0: no rows)."""
        return self.ranked_cumsum(self.ranked(values))

    def top_sums(self, ms, columns: list[np.ndarray]) -> np.ndarray:
        """Sums of each column over the top m rows for every m in `ms`, cutting ties by the tie rule: an
        array (len(ms), len(columns))."""
        ms = np.asarray(ms, dtype=np.int64)
        cums = np.stack([self.cumsum(c) for c in columns], axis=1)
        b = np.searchsorted(self.ends, ms, side="left")
        out = cums[b].copy()
        for i in np.flatnonzero(self.ends[b] != ms):
            need = int(ms[i] - self.ends[b[i] - 1])
            rows = np.flatnonzero(self.score == self.block_score[b[i] - 1])[-need:]
            out[i] = cums[b[i] - 1] + [c[rows].sum() for c in columns]
        return out
