"""Locating, downloading and verifying raw files, and the parquet cache of parsed tables (DESIGN.md,
"Locating raw files"). Every failure is a DataError naming the file and what to do."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import socket
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from datasets.base import DataError

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
CHUNK = 1 << 22


@dataclass(frozen=True)
class RawFile:
    """A dataset's raw file: its name, official address, and the sha256 that identifies good content.

    `content_sha256` is of the decompressed bytes (valid for the plain file and any gzip of it);
    `gz_sha256`/`gz_size` are of the official .gz itself where those are published."""

    name: str
    url: str
    content_sha256: str | None = None
    gz_sha256: str | None = None
    gz_size: int | None = None

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.name, self.name + ".gz")


def cache_dir() -> Path:
    """The user cache: $UPLIFT_CACHE_DIR, else $XDG_CACHE_HOME/uplift-bench, else ~/.cache/uplift-bench."""
    if os.environ.get("UPLIFT_CACHE_DIR"):
        return Path(os.environ["UPLIFT_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "uplift-bench"


def search_dirs(data_dir: str | os.PathLike | None) -> list[Path]:
    """Where raw files are looked for, in order."""
    dirs = []
    if data_dir:
        dirs.append(Path(data_dir))
    if os.environ.get("UPLIFT_DATA_DIR"):
        dirs.append(Path(os.environ["UPLIFT_DATA_DIR"]))
    dirs += [cache_dir() / "raw", SHARED_DATA]
    return dirs


def locate(raw: RawFile, data_dir=None, path=None) -> Path:
    """The raw file: `path` if given, else the first candidate name in the search directories, else a
    download from the official address (unless UPLIFT_DOWNLOAD=0); DataError if none works."""
    if path is not None:
        if not Path(path).is_file():
            raise DataError(f"{path}: no such file")
        return Path(path)
    dirs = search_dirs(data_dir)
    for folder in dirs:
        for name in raw.candidates:
            if (folder / name).is_file():
                return folder / name
    downloaded = download(raw)
    if downloaded is not None:
        return downloaded
    looked = ", ".join(str(d) for d in dirs)
    expected = raw.gz_sha256 or raw.content_sha256 or "not published"
    raise DataError(
        f"{raw.name} not found (looked in {looked}); download it from {raw.url} (sha256 {expected}) "
        "and pass its folder with --data-dir"
    )


def _reachable(url: str) -> bool:
    host = urlparse(url).hostname
    try:
        socket.create_connection((host, 443), timeout=3).close()
        return True
    except OSError:
        return False


def download(raw: RawFile) -> Path | None:
    """Fetch the official file into the cache (verified before use); None when downloads are off or the
    address cannot be reached."""
    if os.environ.get("UPLIFT_DOWNLOAD", "1") == "0" or not raw.url.startswith("http"):
        return None
    if not _reachable(raw.url):
        return None
    target = cache_dir() / "raw" / Path(urlparse(raw.url).path).name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    try:
        with urllib.request.urlopen(raw.url, timeout=30) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out, CHUNK)
    except OSError:
        return None
    os.replace(partial, target)
    return target


def _hash_stream(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path, decompress: bool = False) -> str:
    """sha256 of the file's bytes, or of its decompressed content; memoised by (path, size, mtime)."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{decompress}"
    memo_file = cache_dir() / "checksums.json"
    memo = json.loads(memo_file.read_text()) if memo_file.is_file() else {}
    if key in memo:
        return memo[key]
    try:
        with gzip.open(path, "rb") if decompress else open(path, "rb") as stream:
            sha = _hash_stream(stream)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataError(f"{path} is truncated or corrupt ({error}); download it again") from None
    memo[key] = sha
    memo_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = memo_file.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(memo))
    os.replace(temporary, memo_file)
    return sha


def verify(raw: RawFile, path: Path, known: dict[str, str] | None = None) -> dict:
    """Check the file against the published checksum; DataError on a mismatch. Returns the `source`
    record (file, sha256, checksum_ok: True, or None where no checksum is published for this form)."""
    gz = path.suffix == ".gz"
    if gz and raw.gz_sha256 and raw.gz_size is not None and path.stat().st_size == raw.gz_size:
        sha = file_sha256(path)
        if sha == raw.gz_sha256:
            return {"file": str(path), "sha256": sha, "checksum_ok": True}
    sha = file_sha256(path, decompress=gz)
    base = path.name.removesuffix(".gz")
    expected = raw.content_sha256 if path.name in raw.candidates else None
    expected = (known or {}).get(base, expected)
    if expected is None:
        return {"file": str(path), "sha256": sha, "checksum_ok": None}
    if sha != expected:
        raise DataError(
            f"{path}: checksum mismatch (sha256 of content {sha}, expected {expected}); the file is "
            f"damaged or not the official one: download it again from {raw.url}"
        )
    return {"file": str(path), "sha256": sha, "checksum_ok": True}


def read_csv(path: Path, expected_columns: list[str] | None, header: bool = True, types=None) -> pa.Table:
    """Parse a (gzipped) CSV with pyarrow's multithreaded reader; DataError on a truncated file or a
    column layout other than `expected_columns`."""
    read_options = pacsv.ReadOptions(
        column_names=None if header else expected_columns, block_size=1 << 26, use_threads=True
    )
    convert = pacsv.ConvertOptions(column_types=types or {})
    try:
        table = pacsv.read_csv(path, read_options=read_options, convert_options=convert)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as error:
        reason = str(error).splitlines()[0]
        raise DataError(f"{path} is truncated or corrupt ({reason}); download it again") from None
    except pa.ArrowInvalid as error:
        raise DataError(
            f"{path} does not have the official layout ({str(error).splitlines()[0]}); "
            f"expected {len(expected_columns or [])} columns"
        ) from None
    if expected_columns is not None and table.column_names != expected_columns:
        got = table.column_names
        raise DataError(
            f"{path} has {len(got)} columns ({', '.join(got[:6])}...), expected the official "
            f"{len(expected_columns)} ({', '.join(expected_columns[:6])}...)"
        )
    return table


def cached_table(name: str, sha: str, parse) -> pa.Table:
    """The parsed table from the parquet cache keyed by the raw file's sha256, parsing it on a miss."""
    target = cache_dir() / "parsed" / f"{name}-{sha[:20]}.parquet"
    if target.is_file():
        return pq.read_table(target)
    table = parse()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, target)
    return table
