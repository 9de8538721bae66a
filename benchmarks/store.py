"""The results store of a run folder: one parquet file per finished cell, written atomically, so a killed
run resumes without recomputing or duplicating anything; results.parquet is their concatenation.

Each cell file carries its status in the parquet footer, so a resume learns which cells are finished (ok
or skipped, with intact files) from the footers alone: failed cells and cells whose rows, predictions or
curves file is truncated, unreadable or missing are computed again. curves.parquet gathers the finished
cells' curve points (benchmarks/curves.py): with results.parquet, all the report needs."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.errors import RunFolderError, UsageError

STATUS_KEY = b"uplift_bench.status"
NO_DATA_STATUS = "unavailable"  # the status of a cell recorded without its data (run --skip-missing-data)
MAGIC = b"PAR1"


def write_atomically(
    frame: pd.DataFrame, target: Path, status: str | None = None, compression: str = "snappy"
) -> None:
    """Write to a temporary name in the same folder, then rename (atomic on POSIX); `status` goes into
    the footer's key-value metadata."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if status is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), STATUS_KEY: status.encode()})
    try:
        pq.write_table(table, temporary, compression=compression)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)  # left only when writing failed (a full disk)


def footer_status(path: Path) -> str | None:
    """The status a cell file records ("ok", "skipped", "error"); "" for an intact file without one;
    None when the file is missing, truncated or unreadable."""
    try:
        metadata = pq.read_metadata(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    return metadata.get(STATUS_KEY, b"").decode()


def is_complete(path: Path) -> bool:
    """Whether a parquet file is whole: the magic bytes at both ends and a footer that fits (a cheap
    check, reading 12 bytes, that catches truncation)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            size = handle.seek(0, os.SEEK_END)
            if size < 12:
                return False
            handle.seek(size - 8)
            tail = handle.read(8)
    except OSError:
        return False
    footer = int.from_bytes(tail[:4], "little")
    return head == MAGIC and tail[4:] == MAGIC and footer + 12 <= size


class ResultsStore:
    """OUT/cells/<key>.parquet (result rows), OUT/predictions/<key>.parquet, OUT/curves/<key>.parquet,
    OUT/cells/<key>.err (the traceback of a failed cell), OUT/results.parquet, OUT/curves.parquet."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.cells = self.out / "cells"
        self.predictions = self.out / "predictions"
        self.curves = self.out / "curves"

    def stored(self) -> dict[str, str | None]:
        """Every cell file's key and footer status (None: damaged)."""
        if not self.cells.is_dir():
            return {}
        return {path.stem: footer_status(path) for path in self.cells.glob("*.parquet")}

    def finished(self) -> set[str]:
        """Keys of the cells stored as ok (with intact predictions and curves files) or skipped."""
        done = set()
        for key, status in self.stored().items():
            if status == "":  # written before statuses were kept in the footer
                status = self.status_column(key)
            outputs = (self.prediction_file(key), self.curve_file(key))
            if status == "skipped" or (status == "ok" and all(map(is_complete, outputs))):
                done.add(key)
        return done

    def status_column(self, key: str) -> str | None:
        try:
            return str(pq.read_table(self.cells / f"{key}.parquet", columns=["status"])["status"][0])
        except (OSError, pa.ArrowException, KeyError, IndexError):
            return None

    def prediction_file(self, key: str) -> Path:
        return self.predictions / f"{key}.parquet"

    def curve_file(self, key: str) -> Path:
        return self.curves / f"{key}.parquet"

    def save(
        self,
        key: str,
        rows: pd.DataFrame,
        predictions: pd.DataFrame | None,
        curves: pd.DataFrame | None,
        details: str = "",
    ) -> None:
        """Store one cell: predictions and curve points first, then the rows that mark the cell finished;
        a failed cell's traceback goes to cells/<key>.err. RunFolderError when the folder cannot be
        written (the cell is then not finished, and computed again by the next run)."""
        with self.writing():
            self._save(key, rows, predictions, curves, details)

    @contextlib.contextmanager
    def writing(self):
        """OSError (a full disk, a folder made read-only) as RunFolderError: one line naming the folder."""
        try:
            yield
        except OSError as error:
            raise RunFolderError(
                f"cannot write the run folder {self.out} ({error.strerror or error}); finished cells are "
                "saved: make room and run the same command again to resume"
            ) from None

    def _save(self, key, rows, predictions, curves, details) -> None:
        status = str(rows["status"].iloc[0])
        if predictions is not None:
            write_atomically(predictions, self.prediction_file(key))
        if curves is not None:
            write_atomically(curves, self.curve_file(key))
        error_file = self.cells / f"{key}.err"
        if status == "error":
            self.cells.mkdir(parents=True, exist_ok=True)
            error_file.write_text(details or str(rows["reason"].iloc[0]))
        else:
            error_file.unlink(missing_ok=True)
        write_atomically(rows, self.cells / f"{key}.parquet", status=status)

    def forget(self, keys: set[str]) -> None:
        """Remove stored cells (for --force and before recomputing a damaged or failed cell)."""
        for key in keys:
            cell_files = (self.cells / f"{key}.parquet", self.cells / f"{key}.err")
            for path in (*cell_files, self.prediction_file(key), self.curve_file(key)):
                path.unlink(missing_ok=True)

    def merge(self) -> pd.DataFrame:
        """Every readable stored row, also written to results.parquet, and the finished cells' curve points
        to curves.parquet."""
        results = self.rows()
        with self.writing():
            write_atomically(results, self.out / "results.parquet")
            write_atomically(self.curve_points(), self.out / "curves.parquet", compression="zstd")
        return results

    def curve_points(self) -> pd.DataFrame:
        """The curve points of every finished cell that stored them (a file left by a cell killed before
        its rows were stored is not read)."""
        paths = [self.curve_file(key) for key in sorted(self.finished())]
        tables = [pq.read_table(path) for path in paths if path.is_file()]
        return (
            pa.concat_tables(tables, promote_options="permissive").to_pandas() if tables else pd.DataFrame()
        )

    def rows(self) -> pd.DataFrame:
        """Every readable stored row (a damaged cell file is left out: the next run computes it again)."""
        tables = []
        for path in sorted(self.cells.glob("*.parquet")) if self.cells.is_dir() else []:
            try:
                tables.append(pq.ParquetFile(path).read())
            except (OSError, pa.ArrowException):  # damaged: left out, and computed again by the next run
                continue
        try:  # one conversion to pandas for all cells (one per cell takes ~10 ms each)
            table = pa.concat_tables(tables, promote_options="permissive") if tables else None
            results = table.to_pandas() if table is not None else pd.DataFrame()
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # cells whose columns cannot be unified by arrow
            results = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
        return results


@contextlib.contextmanager
def exclusive(out: Path):
    """Hold the run folder for one `run`: a second runner on the same folder is refused (UsageError). The
    lock is an flock on OUT/.lock, which the OS releases when the holder dies, so a killed run leaves
    nothing stuck."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot write the run folder {out}: {error.strerror or error}") from None
    busy = f"run folder {out} is in use by another run"
    with held(out / ".lock", f"the run folder {out}", busy, "wait for it to end"):
        yield


@contextlib.contextmanager
def held(lock: Path, place: str, busy: str, advice: str):
    """An flock on the file `lock` for the block, the holder's pid written in it; UsageError `busy (pid N);
    advice` when another process holds it, `cannot write PLACE` when the file cannot be opened."""
    try:
        handle = open(lock, "a+")  # noqa: SIM115 - held open for the block
    except OSError as error:
        raise UsageError(f"cannot write {place}: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UsageError(f"{busy} ({holder}); {advice}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
