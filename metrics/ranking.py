"""One sort of the scores, shared by every curve: the ranking, its tie blocks and cumulative sums.

Tie rules (docs/metrics.md): rows are ranked by score, descending, and rows with equal scores by row
index, descending: the order scikit-uplift's `np.argsort(score, kind="mergesort")[::-1]` gives (Qini,
AUUC, uplift@k). Given a `tie_seed` (AUCC), rows with equal scores are instead taken in a seeded random
order. Rows with equal scores form one block; curves are evaluated only at block ends, so their values do
not depend on the order inside a block, and a cut inside a block (uplift@k, the HCL code's segments)
follows the ranking.

Speed: a plain sort of int64 words is 2.7x faster than an argsort of the float64 scores, so the ranking
sorts words that hold the score's order-preserving bit pattern, cut to its leading bits, above the row
index; the few rows whose leading bits tie while their scores differ are then re-sorted exactly. Large
arrays are sorted in chunks on parallel threads, then merged.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_ALL_BUT_SIGN = np.int64(0x7FFF_FFFF_FFFF_FFFF)
PARALLEL_FROM = 300_000  # rows; 2 threads: equal at 100k rows, 1.15x faster at 300k, 1.3x at 1M


def sort_threads() -> int:
    """Threads for the sort: OMP_NUM_THREADS where set (the harness sets it per job), else the CPUs
    this process may use."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0]))
    except ValueError:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _sort(words: np.ndarray) -> None:
    """Sort in place. Large arrays: one chunk per thread, sorted in parallel (numpy releases the GIL),
    then numpy's stable sort (timsort), which merges sorted runs in linear time."""
    threads = sort_threads()
    if threads == 1 or words.shape[0] < PARALLEL_FROM:
        words.sort()
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(np.ndarray.sort, np.array_split(words, threads)))
    words.sort(kind="stable")


def _sorted_words(score: np.ndarray, index_bits: int) -> np.ndarray:
    """Ascending int64 words: the score's order-preserving bit pattern with its lowest `index_bits`
    bits replaced by the row index."""
    words = (np.asarray(score, dtype=np.float64) + 0.0).view(np.int64)  # + 0.0 turns -0.0 into 0.0
    words ^= (words >> 63) & _ALL_BUT_SIGN  # negative floats: larger magnitude, smaller integer
    words &= ~np.int64((1 << index_bits) - 1)
    words |= np.arange(score.shape[0], dtype=np.int64)
    _sort(words)
    return words


def _resort_runs(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray, score: np.ndarray) -> None:
    """Sort rows[starts[i]:stops[i]] (disjoint, ascending runs) in place by (score, row index)."""
    sizes = stops - starts
    positions = np.repeat(starts - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(sizes.sum())
    members = rows[positions]
    rows[positions] = members[np.lexsort((members, score[members]))]


def ascending_rows(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices sorted by (score, row index), and for each adjacent pair whether the scores are
    equal: `np.argsort(score, kind="stable")` and its tie marks, from one sort of packed words."""
    n = score.shape[0]
    index_bits = max(1, (n - 1).bit_length())
    words = _sorted_words(score, index_bits)
    rows = words & np.int64((1 << index_bits) - 1)
    words >>= index_bits
    equal = words[1:] == words[:-1]  # leading bits equal: a candidate tie
    candidates = np.flatnonzero(equal)
    differ = score[rows[candidates]] != score[rows[candidates + 1]]
    if differ.any():  # runs of equal leading bits that hold different scores: sort those runs exactly
        run_break = np.flatnonzero(np.diff(candidates) != 1) + 1
        run_first, run_last = np.r_[0, run_break], np.r_[run_break, candidates.size] - 1
        mixed = np.add.reduceat(differ, run_first) > 0
        _resort_runs(rows, candidates[run_first[mixed]], candidates[run_last[mixed]] + 2, score)
        differ = score[rows[candidates]] != score[rows[candidates + 1]]
        equal[candidates[differ]] = False
    return rows, equal


class Ranking:
    """The rows in ranking order (descending score). `ends[b]` is the number of rows (as float64) in
    blocks before b, from `ends[0] = 0` to `ends[-1] = n`; cumulative sums are indexed the same way.

    Rows with equal scores are ordered by row index, descending; with `tie_seed`, by their position in
    `numpy.random.default_rng(tie_seed).permutation(n)`, descending (drawn only when there are ties)."""

    def __init__(self, score: np.ndarray, tie_seed: int | None = None) -> None:
        rows, equal = ascending_rows(score)
        if tie_seed is not None and equal.any():
            shuffled = np.random.default_rng(tie_seed).permutation(score.shape[0])
            rows, equal = ascending_rows(score[shuffled])
            rows = shuffled[rows]
        self.order = rows[::-1]
        n = score.shape[0]
        self.untied = not equal.any()  # every row its own block: no indexing at block ends needed
        if self.untied:
            self.ends = np.arange(n + 1, dtype=np.float64)
        else:
            # the last row of each block, in ranking order
            self._last_rows = np.r_[n - 2 - np.flatnonzero(~equal)[::-1], n - 1]
            self.ends = np.r_[0.0, self._last_rows + 1.0]

    def ranked(self, values: np.ndarray) -> np.ndarray:
        """`values` in ranking order."""
        return values[self.order]

    def ranked_cumsum(self, ranked: np.ndarray) -> np.ndarray:
        """Sum of already ranked values over the rows before each block end (first entry 0: no rows):
        int32 counts for booleans (10x faster to sum, half the memory), float64 otherwise."""
        dtype = np.int32 if ranked.dtype == bool and ranked.shape[0] < 2**31 else np.float64
        out = np.empty(self.ends.shape[0], dtype=dtype)
        out[0] = 0
        if self.untied:
            np.cumsum(ranked, dtype=dtype, out=out[1:])
        else:
            np.take(np.cumsum(ranked, dtype=dtype), self._last_rows, out=out[1:])
        return out

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Sum of `values` over the rows before each block end (first entry 0: no rows)."""
        return self.ranked_cumsum(self.ranked(values))

    def top_sums(self, ms, columns: list[np.ndarray]) -> np.ndarray:
        """Sums of each column over the top m rows of the ranking for every m in `ms` (ascending; ties
        cut by the tie rule): an array (len(ms), len(columns)). Each row is labelled with its segment
        between cuts once; the columns are then summed per segment in row order, without gathering."""
        bounds = np.r_[0, ms, self.order.shape[0]]
        segment = np.empty(self.order.shape[0], dtype=np.intp)
        segment[self.order] = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))
        sums = [np.bincount(segment, weights=column, minlength=bounds.size - 1) for column in columns]
        return np.cumsum(np.stack(sums, axis=1), axis=0)[:-1]
