"""Locating, downloading and verifying raw files, and the parquet cache of parsed tables (docs/datasets.md,
"Where files are looked for"). Every failure is a DataError naming the file and what to do."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from tqdm import tqdm

from datasets.base import DataError

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
CHUNK = 1 << 22
STALL_TIMEOUT_S = 60.0  # a download that receives nothing for this long has failed
DOWNLOAD_DEADLINE_S = 3600.0  # overall limit of one download ($UPLIFT_DOWNLOAD_TIMEOUT overrides)


@dataclass(frozen=True)
class RawFile:
    """A dataset's raw file: its name, official address, and the sha256 that identifies good content.

    `content_sha256` is of the decompressed bytes (valid for the plain file and any gzip of it);
    `gz_sha256`/`gz_size` are of the official .gz itself where those are published. `member` is the file
    to take from the official address when that is a .zip archive; `aliases` are other names the official
    file is distributed under (found and verified like `name`)."""

    name: str
    url: str
    content_sha256: str | None = None
    gz_sha256: str | None = None
    gz_size: int | None = None
    member: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.name, self.name + ".gz", *self.aliases)

    @property
    def download_name(self) -> str:
        """The name a download is saved under: one the locator looks for and whose checksum is checked."""
        if self.member:
            return Path(self.member).name
        return self.name + ".gz" if urlparse(self.url).path.endswith(".gz") else self.name


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


def find(raw: RawFile, data_dir=None) -> Path | None:
    """The first candidate name present in the search directories, or None (never downloads)."""
    for folder in search_dirs(data_dir):
        for name in raw.candidates:
            if (folder / name).is_file():
                return folder / name
    return None


def locate(raw: RawFile, data_dir=None, path=None) -> Path:
    """The raw file: `path` if given, else the first candidate name in the search directories, else a
    verified download from the official address (unless UPLIFT_DOWNLOAD=0); DataError if none works."""
    if path is not None:
        if Path(path).is_dir():
            raise DataError(f"{path} is a folder, not a data file")
        if not Path(path).is_file():
            raise DataError(f"{path}: no such file")
        return Path(path)
    found = find(raw, data_dir)
    if found is not None:
        return found
    looked = ", ".join(str(d) for d in search_dirs(data_dir))
    expected = raw.gz_sha256 or raw.content_sha256 or "not published"
    missing = f"{raw.name} not found (looked in {looked})"
    if os.environ.get("UPLIFT_DOWNLOAD", "1") == "0":
        raise DataError(
            f"{missing}; downloads are off (UPLIFT_DOWNLOAD=0): download it from {raw.url} (sha256 "
            f"{expected}) and pass its folder with --data-dir"
        )
    try:
        return download(raw)
    except DataError as error:
        raise DataError(
            f"{missing}; {error}; fetch it by hand (sha256 {expected}) and pass its folder with --data-dir"
        ) from None


def _deadline_s() -> float:
    value = os.environ.get("UPLIFT_DOWNLOAD_TIMEOUT")
    try:
        return float(value) if value else DOWNLOAD_DEADLINE_S
    except ValueError:
        raise DataError(f"UPLIFT_DOWNLOAD_TIMEOUT must be a number of seconds, got {value!r}") from None


def _remove_stale_parts(folder: Path, name: str) -> None:
    """Delete `.part` files of `name` left by processes that no longer run (a killed download)."""
    for part in folder.glob(f"{name}.*.part"):
        pid = part.name.removesuffix(".part").rsplit(".", 1)[-1]
        if pid.isdigit() and pid != str(os.getpid()) and _alive(int(pid)):
            continue
        part.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def download(raw: RawFile) -> Path:
    """Fetch the official file into the cache under `raw.download_name`, verified (size, archive CRC,
    sha256) before it takes its final name; DataError saying why when it fails, with nothing left behind."""
    folder = cache_dir() / "raw"
    target = folder / raw.download_name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create the cache folder {folder} ({error.strerror})") from None
    _remove_stale_parts(folder, target.name)
    fetched = folder / f"{target.name}.{os.getpid()}.part"
    archive = folder / f"{target.name}.zip.{os.getpid()}.part"
    try:
        if raw.member:
            _fetch(raw.url, archive, target.name)
            _extract(archive, raw.member, fetched)
        else:
            _fetch(raw.url, fetched, target.name)
        sha, decompress = _check_download(raw, fetched, target.name)
        os.replace(fetched, target)
    except DataError as error:
        raise DataError(f"downloading {raw.url} failed: {error}; nothing was kept") from None
    finally:
        fetched.unlink(missing_ok=True)
        archive.unlink(missing_ok=True)
    _remember(target, decompress, sha)
    return target


def _fetch(url: str, part: Path, label: str) -> None:
    """Stream `url` into `part` with a byte progress bar; DataError on a stall, a deadline overrun, an
    HTTP or network error, or fewer bytes than the server announced."""
    deadline = time.monotonic() + _deadline_s()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=STALL_TIMEOUT_S) as response, open(part, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label, disable=None)
            with bar:
                while chunk := response.read1(CHUNK):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
                    if time.monotonic() > deadline:
                        raise DataError(f"not finished within {_deadline_s():g} s (UPLIFT_DOWNLOAD_TIMEOUT)")
    except urllib.error.HTTPError as error:
        raise DataError(f"the server answered HTTP {error.code} {error.reason}") from None
    except TimeoutError:
        stalled = f"the server sent nothing for {STALL_TIMEOUT_S:g} s after {received:,} bytes"
        raise DataError(stalled) from None
    except urllib.error.URLError as error:
        raise DataError(f"cannot reach the server ({error.reason})") from None
    except (OSError, http.client.HTTPException) as error:
        raise DataError(f"the transfer broke off after {received:,} bytes ({error})") from None
    if total is not None and received != total:
        raise DataError(f"received {received:,} of the {total:,} bytes announced (cut short)")


def _extract(archive: Path, member: str, out: Path) -> None:
    """Copy the archive member whose name ends with `member` into `out`; the zip's CRC-32 is checked."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            names = [n for n in zipped.namelist() if Path(n).name == Path(member).name]
            if not names:
                held = ", ".join(zipped.namelist()[:8])
                raise DataError(f"the archive holds no {member} (it holds {held})")
            with zipped.open(names[0]) as source, open(out, "wb") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise DataError(f"the archive is damaged ({error})") from None
    except OSError as error:
        raise DataError(f"the archive cannot be read ({error})") from None


def _check_download(raw: RawFile, part: Path, final_name: str) -> tuple[str, bool]:
    """Verify the downloaded file against the published size and sha256, before it takes `final_name`.
    Returns (its sha256, whether that is of the decompressed content), for the checksum record."""
    if raw.gz_sha256 and final_name.endswith(".gz"):
        size = part.stat().st_size
        if raw.gz_size is not None and size != raw.gz_size:
            raise DataError(f"{size:,} bytes, the official file has {raw.gz_size:,}")
        sha = _sha256_of(part, decompress=False)
        if sha != raw.gz_sha256:
            raise DataError(f"sha256 {sha}, the official file has {raw.gz_sha256}")
        return sha, False
    decompress = final_name.endswith(".gz")
    sha = _sha256_of(part, decompress)  # reads it through: a damaged gzip fails here
    if raw.content_sha256 is not None and sha != raw.content_sha256:
        raise DataError(f"content sha256 {sha}, the official content has {raw.content_sha256}")
    return sha, decompress


def _sha256_of(path: Path, decompress: bool) -> str:
    """sha256 of the file's bytes, or of its decompressed content; DataError if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") if decompress else open(path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataError(f"{path} is truncated or corrupt ({error}); download it again") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error})") from None
    return digest.hexdigest()


def _memo_key(path: Path, decompress: bool) -> str:
    """The checksum record's key: an in-place change alters the ctime even when size and mtime are kept."""
    stat = path.stat()
    fields = (path.resolve(), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, decompress)
    return "|".join(map(str, fields))


def _memo_file() -> Path:
    return cache_dir() / "checksums.json"


def _read_memo() -> dict:
    try:
        return json.loads(_memo_file().read_text())
    except (OSError, ValueError):
        return {}  # no record yet, or an unreadable one: hashes are computed again


def _remember(path: Path, decompress: bool, sha: str) -> None:
    memo = _read_memo()
    memo[_memo_key(path, decompress)] = sha
    try:
        _memo_file().parent.mkdir(parents=True, exist_ok=True)
        temporary = _memo_file().with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(memo))
        os.replace(temporary, _memo_file())
    except OSError:
        pass  # a read-only cache only costs a re-hash next time


def file_sha256(path: Path, decompress: bool = False, rehash: bool = False) -> str:
    """sha256 of the file's bytes, or of its decompressed content; remembered by path, size, times and
    inode (`rehash` reads the file again whatever the record says)."""
    try:
        key = _memo_key(path, decompress)
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not rehash and (sha := _read_memo().get(key)):
        return sha
    sha = _sha256_of(path, decompress)
    _remember(path, decompress, sha)
    return sha


def verify(raw: RawFile, path: Path, known: dict[str, str] | None = None, rehash: bool = False) -> dict:
    """Check the file against the published checksum; DataError on a mismatch. Returns the `source`
    record (file, sha256, checksum_ok: True, or None where no checksum is published for this form)."""
    gz = path.suffix == ".gz"
    if gz and raw.gz_sha256 and raw.gz_size is not None and path.stat().st_size == raw.gz_size:
        sha = file_sha256(path, rehash=rehash)
        if sha == raw.gz_sha256:
            return {"file": str(path), "sha256": sha, "checksum_ok": True}
    sha = file_sha256(path, decompress=gz, rehash=rehash)
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


CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): CSV conversion error to (\w+): invalid value '(.*)'")


def read_csv(path: Path, expected_columns: list[str] | None, header: bool = True, types=None) -> pa.Table:
    """Parse a (gzipped) CSV with pyarrow's multithreaded reader; DataError on an unreadable or truncated
    file, a column layout other than `expected_columns`, or a value that is not of its column's type."""
    read_options = pacsv.ReadOptions(
        column_names=None if header else expected_columns, block_size=1 << 26, use_threads=True
    )
    convert = pacsv.ConvertOptions(column_types=types or {})
    try:
        table = pacsv.read_csv(path, read_options=read_options, convert_options=convert)
    except PermissionError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error})") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as error:
        reason = str(error).splitlines()[0]
        raise DataError(f"{path} is truncated or corrupt ({reason}); download it again") from None
    except pa.ArrowInvalid as error:
        message = str(error).splitlines()[0]
        if (bad := CONVERSION_ERROR.match(message)) and expected_columns is not None:
            column = expected_columns[int(bad[1])]
            raise DataError(_bad_value_message(path, read_options, column, bad[2], header)) from None
        raise DataError(
            f"{path} does not have the official layout ({message}); "
            f"expected {len(expected_columns or [])} columns"
        ) from None
    if expected_columns is not None and table.column_names != expected_columns:
        got = table.column_names
        raise DataError(
            f"{path} has {len(got)} columns ({', '.join(got[:6])}...), expected the official "
            f"{len(expected_columns)} ({', '.join(expected_columns[:6])}...)"
        )
    return table


def _bad_value_message(path: Path, read_options, column: str, type_name: str, header: bool) -> str:
    """One line naming the first value of `column` that is not a `type_name` (the column read again as
    text, checked a block at a time)."""
    text = pacsv.read_csv(
        path,
        read_options=read_options,
        convert_options=pacsv.ConvertOptions(
            include_columns=[column], column_types={column: pa.string()}, strings_can_be_null=True
        ),
    )[column].combine_chunks()
    target = pa.type_for_alias(type_name)
    kind = "an integer" if pa.types.is_integer(target) else "a number"
    block = 1 << 16
    for start in range(0, len(text), block):
        values = text[start : start + block]
        try:
            values.cast(target)
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        for offset, value in enumerate(values.to_pylist()):
            try:
                pa.array([value], pa.string()).cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                line = start + offset + 1 + header
                return f"{path}: column {column}, line {line}: {value!r} is not {kind}"
    return f"{path}: column {column} holds a value that is not {kind}"


def cached_table(name: str, sha: str, parse) -> pa.Table:
    """The parsed table from the parquet cache keyed by the raw file's sha256, parsing it on a miss (or
    when the cached copy cannot be read)."""
    target = cache_dir() / "parsed" / f"{name}-{sha[:20]}.parquet"
    if target.is_file():
        try:
            return pq.read_table(target)
        except (OSError, pa.ArrowInvalid):
            target.unlink(missing_ok=True)
    table = parse()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, target)
    except OSError:
        pass  # a read-only cache only costs a parse next time
    return table
