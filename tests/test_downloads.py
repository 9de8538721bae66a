"""Downloads from a local HTTP server on 127.0.0.1 that serves official-shaped files: .zip archives, the
CRITEO .gz, a cut-short body, a stalled and a trickling response. Each case ends with the verified file in
the cache or one clear line, and never leaves a partial or unverified file behind."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import threading
import time
import zipfile
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import datasets
from benchmarks.cli import main
from datasets import _files, census1990, covertype, criteo, hillstrom
from datasets.base import DataError

DATA = Path(__file__).with_name("data")
COVTYPE_GZ = (DATA / "covtype.head2000.data.gz").read_bytes()
CRITEO_GZ = (DATA / "criteo-uplift-v2.1.rows1000.csv.gz").read_bytes()
HILLSTROM = gzip.decompress(hillstrom.EMBEDDED.read_bytes())


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ROUTES = {
    "/covertype.zip": zipped({"covtype.data.gz": COVTYPE_GZ, "covtype.info": b"Forest cover type\n"}),
    "/census.zip": zipped({"USCensus1990.data.txt": census1990.FIXTURE.read_bytes(), "README": b"census\n"}),
    "/no-member.zip": zipped({"covtype.info": b"Forest cover type\n"}),
    "/criteo-research-uplift-v2.1.csv.gz": CRITEO_GZ,
    "/hillstrom.csv": HILLSTROM,
    "/hillstrom-half.csv": HILLSTROM[: len(HILLSTROM) // 2],
}


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.hits.append(self.path)
        if self.path in ROUTES:
            body = ROUTES[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/truncated.zip":  # announces twice the bytes it sends, then closes
            body = ROUTES["/covertype.zip"]
            self.send_response(200)
            self.send_header("Content-Length", str(2 * len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path in ("/stall.zip", "/trickle.zip"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(2.0 if self.path == "/stall.zip" else 0.1)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a stalled response is expected here


@pytest.fixture
def server(monkeypatch, tmp_path):
    """The base URL of a server on 127.0.0.1; downloads on, short stall limit, no ../shared."""
    Handler.hits = []
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("UPLIFT_DOWNLOAD", "1")
    monkeypatch.setattr(_files, "STALL_TIMEOUT_S", 0.5)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def cached_files() -> list[str]:
    folder = _files.cache_dir() / "raw"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def point(monkeypatch, module, **fields):
    monkeypatch.setattr(module, "RAW", replace(module.RAW, **fields))


def test_covertype_zip_member_is_saved_verified_and_downloaded_once(server, monkeypatch, tmp_path):
    sha = hashlib.sha256(gzip.decompress(COVTYPE_GZ)).hexdigest()
    point(monkeypatch, covertype, url=f"{server}/covertype.zip", content_sha256=sha)
    (_files.cache_dir() / "raw").mkdir(parents=True)
    stale = _files.cache_dir() / "raw" / "covtype.data.gz.zip.999999999.part"  # left by a killed process
    stale.write_bytes(b"half")
    live = _files.cache_dir() / "raw" / f"covtype.data.gz.zip.{os.getppid()}.part"  # another one's download
    live.write_bytes(b"half")
    data = covertype.load(data_dir=tmp_path)
    assert data.n_rows == 657 and data.meta["source"]["checksum_ok"] is True
    assert cached_files() == ["covtype.data.gz", live.name]
    saved = _files.cache_dir() / "raw" / "covtype.data.gz"
    assert datasets.ensure_file("covertype", data_dir=tmp_path) == saved
    covertype.load(data_dir=tmp_path)
    assert Handler.hits == ["/covertype.zip"]


def test_census_zip_member_is_taken_from_the_archive(server, monkeypatch, tmp_path):
    point(monkeypatch, census1990, url=f"{server}/census.zip")
    data = census1990.load(data_dir=tmp_path)
    assert data.n_rows == 11 and cached_files() == ["USCensus1990.data.txt"]


def test_criteo_is_saved_under_the_name_the_locator_reads(server, monkeypatch, tmp_path):
    sha = hashlib.sha256(CRITEO_GZ).hexdigest()
    url = f"{server}/criteo-research-uplift-v2.1.csv.gz"
    point(monkeypatch, criteo, url=url, gz_sha256=sha, gz_size=len(CRITEO_GZ))
    assert datasets.ensure_file("criteo", data_dir=tmp_path).name == "criteo-uplift-v2.1.csv.gz"
    for _ in range(2):
        assert criteo.load(data_dir=tmp_path).meta["source"]["checksum_ok"] is True
    assert Handler.hits == ["/criteo-research-uplift-v2.1.csv.gz"] and cached_files() == [
        "criteo-uplift-v2.1.csv.gz"
    ]


def test_criteo_under_its_official_name_in_data_dir_is_found(monkeypatch, tmp_path):
    point(monkeypatch, criteo, gz_sha256=hashlib.sha256(CRITEO_GZ).hexdigest(), gz_size=len(CRITEO_GZ))
    (tmp_path / "criteo-research-uplift-v2.1.csv.gz").write_bytes(CRITEO_GZ)
    data = criteo.load(data_dir=tmp_path)
    assert data.n_rows == 1000 and data.meta["source"]["checksum_ok"] is True


def test_hillstrom_is_saved_under_the_name_whose_checksum_is_checked(server, monkeypatch, tmp_path):
    point(monkeypatch, hillstrom, url=f"{server}/hillstrom.csv")
    monkeypatch.setattr(hillstrom, "EMBEDDED", tmp_path / "not-installed.csv.gz")
    data = hillstrom.load(data_dir=tmp_path)
    assert data.n_rows == 64000 and data.meta["source"]["checksum_ok"] is True
    assert cached_files() == ["hillstrom.csv"]


def test_half_a_hillstrom_file_is_refused_and_not_kept(server, monkeypatch, tmp_path):
    point(monkeypatch, hillstrom, url=f"{server}/hillstrom-half.csv")
    monkeypatch.setattr(hillstrom, "EMBEDDED", tmp_path / "not-installed.csv.gz")
    with pytest.raises(DataError, match=r"hillstrom-half\.csv failed: content sha256 \w+, the official"):
        hillstrom.load(data_dir=tmp_path)
    assert cached_files() == []


@pytest.mark.parametrize(
    "route, reason",
    [
        ("/truncated.zip", r"received [\d,]+ of the [\d,]+ bytes announced \(cut short\)"),
        ("/stall.zip", r"the server sent nothing for 0.5 s after \d+ bytes"),
        ("/no-member.zip", r"the archive holds no covtype\.data\.gz \(it holds covtype\.info\)"),
        ("/missing.zip", r"the server answered HTTP 404"),
    ],
)
def test_a_failed_download_gives_one_line_and_leaves_nothing(server, monkeypatch, tmp_path, route, reason):
    point(monkeypatch, covertype, url=server + route)
    with pytest.raises(DataError, match=rf"covtype\.data not found .*downloading http\S+ failed: {reason}"):
        covertype.load(data_dir=tmp_path)
    assert cached_files() == []


def test_an_overall_deadline_stops_a_trickling_download(server, monkeypatch, tmp_path):
    monkeypatch.setenv("UPLIFT_DOWNLOAD_TIMEOUT", "0.5")
    point(monkeypatch, covertype, url=f"{server}/trickle.zip")
    start = time.monotonic()
    with pytest.raises(DataError, match=r"not finished within 0.5 s \(UPLIFT_DOWNLOAD_TIMEOUT\)"):
        covertype.load(data_dir=tmp_path)
    assert time.monotonic() - start < 1.5 and cached_files() == []


def test_cli_reports_a_failed_download_in_one_line(server, monkeypatch, tmp_path, capsys):
    point(monkeypatch, covertype, url=f"{server}/truncated.zip")
    assert main(["data", "info", "covertype", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cut short" in err and err.startswith("error: covtype.data not found")
