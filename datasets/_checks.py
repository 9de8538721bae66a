"""Checks of a parsed raw table before it becomes an UpliftData: rows present, values finite, codes in their
domain, every arm present. Each failure is one DataError naming the file, the column and the first bad line
(line numbers count the header line, as an editor shows them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets.base import DataError


def _line(index: int, header: bool) -> int:
    return index + 1 + int(header)


def require_rows(path: Path, table: pa.Table) -> None:
    """DataError if the table holds no data row (a header-only or empty file)."""
    if table.num_rows == 0:
        raise DataError(f"{path} holds no data rows (only a header, or nothing); it is not the official file")


def require_finite(path: Path, table: pa.Table, columns, header: bool = True) -> None:
    """DataError at the first missing, NaN or infinite value of `columns`."""
    for column in columns:
        values = table[column]
        if values.null_count == 0 and (
            not pa.types.is_floating(values.type) or np.isfinite(pc.sum(values).as_py())
        ):
            continue  # one pass: a NaN or an infinity makes the sum non-finite
        bad = pc.is_null(values, nan_is_null=True)
        if pa.types.is_floating(values.type):
            bad = pc.or_kleene(bad, pc.invert(pc.is_finite(values)))
        if pc.any(bad).as_py():
            index = pc.index(bad, True).as_py()
            value = values[index].as_py()
            shown = "a missing value (empty or NaN)" if value is None else repr(value)
            raise DataError(
                f"{path}: column {column}, line {_line(index, header)}: {shown} where a finite number is "
                "required"
            )


def require_in(path: Path, table: pa.Table, column: str, allowed, header: bool = True) -> None:
    """DataError at the first value of `column` outside `allowed`."""
    values = table[column]
    if values.null_count == 0 and _within(values, allowed):
        return
    outside = pc.invert(pc.fill_null(pc.is_in(values, value_set=pa.array(list(allowed), values.type)), False))
    if pc.any(outside).as_py():
        index = pc.index(outside, True).as_py()
        value = values[index].as_py()
        shown = "a missing value (empty or NaN)" if value is None else repr(value)
        expected = ", ".join(map(str, allowed))
        raise DataError(
            f"{path}: column {column}, line {_line(index, header)}: {shown} is outside {{{expected}}}"
        )


def _within(values, allowed) -> bool:
    """Fast path for integer codes: whether min and max lie in `allowed`, a contiguous range."""
    codes = sorted(set(allowed))
    if not pa.types.is_integer(values.type) or codes != list(range(codes[0], codes[-1] + 1)):
        return False
    extremes = pc.min_max(values)
    return codes[0] <= extremes["min"].as_py() and extremes["max"].as_py() <= codes[-1]


def require_arms(path: Path, treatment: np.ndarray, arm_names, what: str) -> None:
    """DataError if an arm has no row: an uplift needs every arm, control included."""
    counts = np.bincount(treatment, minlength=len(arm_names))
    empty = [name for name, count in zip(arm_names, counts, strict=True) if count == 0]
    if empty:
        raise DataError(f"{path}: no row in arm {', '.join(map(repr, empty))} ({what}); every arm needs rows")
