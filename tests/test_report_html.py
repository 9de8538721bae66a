"""The HTML report: built from a tiny results folder, rendered in headless Chromium (Debian's package), and
checked there: every table and image loaded, no console error; plus `report` on half-finished and failed
runs."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.report import html

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--window-size=1280,1600",
]  # fmt: skip
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs Debian's package)"
)
ENVIRONMENT = {
    "git_commit": "abc1234",
    "library_versions": json.dumps({"numpy": "2.4.6", "pandas": "3.1.1"}),
    "device": "cpu: x86_64",
    "timestamp": "2026-11-30T00:00:00+00:00",
}


def cell_rows(suite, dataset, method, seed, value, n_train, status="ok", metric="qini", variant="sklift"):
    """The result rows of one finished cell, as the harness writes them (one metric row)."""
    return {
        "suite": suite, "dataset": dataset, "method": method, "params": "{}", "tuned": False,
        "seed": seed, "fold": 0, "split": "test", "arm": "mean", "outcome": "visit", "metric": metric,
        "variant": variant, "value": value if status == "ok" else np.nan, "fit_seconds": n_train / 1e4,
        "predict_seconds": 0.01, "n_train": n_train, "n_test": n_train // 3, "status": status,
        "reason": "" if status == "ok" else "ValueError: boom", **ENVIRONMENT,
    }  # fmt: skip


def tiny_results() -> pd.DataFrame:
    """An ablation suite (bars) and a suite run at two sizes (fit-time figure), three seeds each."""
    rows = []
    for seed in range(3):
        for method, value in (("mtmt", 0.03), ("mtmt-no-mmoe", 0.02)):
            rows.append(cell_rows("mtmt-ablation", "hillstrom", method, seed, value + seed / 1000, 38400))
        for dataset, n_train in (("small", 2400), ("large", 24000)):
            for method in ("tlearner-lgbm", "my-method"):
                rows.append(cell_rows("toy", dataset, method, seed, 0.01 * (seed + 1), n_train))
    return pd.DataFrame(rows)


@pytest.fixture
def tiny_paper(tmp_path):
    run = tmp_path / "results" / "tiny"
    run.mkdir(parents=True)
    tiny_results().to_parquet(run / "results.parquet")
    paper = tmp_path / "paper"
    assert main(["report", "--runs", str(run), "--out", str(paper)]) == 0
    return paper


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, url: str) -> None:
        import websocket

        self.socket = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.socket.recv()))

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"]


def open_in_chromium(page: Path, profile: Path):
    """Start headless Chromium on an empty page and connect to it; (process, client)."""
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
        assert process.poll() is None and time.monotonic() < deadline, "chromium did not start"
        time.sleep(0.1)
    port = int(port_file.read_text().split()[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
        target = next(t for t in json.load(response) if t["type"] == "page")
    return process, DevTools(target["webSocketDebuggerUrl"])


CHECKS = """({
  tables: document.querySelectorAll('table').length,
  emptyTables: Array.from(document.querySelectorAll('table')).filter(t => !t.rows.length).length,
  images: document.images.length,
  brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.getAttribute('src')),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
})"""


def render(page: Path, profile: Path, screenshot: Path) -> tuple[dict, list[str]]:
    """Load the page in Chromium, take a screenshot; (what CHECKS found, console and load errors)."""
    profile.mkdir()
    process, tools = open_in_chromium(page, profile)
    try:
        for domain in ("Page", "Runtime", "Log"):
            tools.call(f"{domain}.enable")
        tools.call("Page.navigate", url=page.resolve().as_uri())
        tools.wait_for("Page.loadEventFired")
        found = tools.evaluate(CHECKS)
        shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        tools.call("Runtime.evaluate", expression="1")  # drains the events logged meanwhile
    finally:
        tools.socket.close()
        process.terminate()
        process.wait(timeout=30)
    errors = [
        json.dumps(e["params"])
        for e in tools.events
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    return found, errors


def test_report_writes_an_index_and_a_page_per_suite(tiny_paper):
    index = (tiny_paper / "index.html").read_text()
    assert "<script" not in index and "<link" not in index and 'src="http' not in index  # offline
    assert 'href="tables/hcl-aucc.tex"' in index and (tiny_paper / "tables" / "hcl-aucc.tex").is_file()
    assert "verdict" in index and 'class="verdict-' in index
    assert 'src="figures/fit-seconds.png"' in index  # across suites: on the index
    assert 'href="mtmt-ablation.html#mtmt-ablation-hillstrom-qini-sklift"' in index  # a suite's: linked
    assert '<h2 id="leaderboards">' in index and "leaderboard-toy" in index
    page = (tiny_paper / "toy.html").read_text()
    for fact in ("abc1234", "cpu: x86_64", "2.4.6", "0, 1, 2", "my-method", "trials", "git_dirty"):
        assert fact in page
    assert 'class="warning"' not in page  # no cell ran on code that differed from its commit
    assert "mtmt-ablation-hillstrom" not in page  # figures go to their own suite's page
    assert "mtmt-ablation-hillstrom-qini-sklift.png" in (tiny_paper / "mtmt-ablation.html").read_text()


def test_verdict_cells_carry_their_verdict_as_class():
    frame = pd.DataFrame({"method": ["A"], "X: paper": ["0.5"], "X: verdict": ["no paper number"]})
    rendered = html.table_html(frame)
    assert '<td class="verdict-no-paper-number">no paper number</td>' in rendered
    assert "<td>0.5</td>" in rendered


@needs_chromium
def test_report_renders_in_chromium_with_every_table_and_image_loaded(tiny_paper, tmp_path):
    for name in ("index.html", "mtmt-ablation.html"):
        found, errors = render(tiny_paper / name, tmp_path / f"profile-{name}", tmp_path / f"{name}.png")
        assert found["tables"] >= 2 and found["emptyTables"] == 0
        assert found["images"] >= 1 and found["brokenImages"] == []
        assert errors == []
        for link in found["links"]:
            assert (tiny_paper / link.split("#")[0]).exists() if not link.startswith("#") else True, link
        screenshot = (tmp_path / f"{name}.png").read_bytes()
        assert screenshot.startswith(b"\x89PNG") and len(screenshot) > 10_000


@needs_chromium
def test_the_browser_check_sees_a_broken_image(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><table><tr><td>x</td></tr></table><img src="gone.png">')
    found, errors = render(page, tmp_path / "profile", tmp_path / "broken.png")
    assert found["brokenImages"] == ["gone.png"]
    assert any("gone.png" in e for e in errors)


def test_report_on_a_half_finished_run_uses_its_finished_cells(tmp_path, capsys):
    run = tmp_path / "killed"
    (run / "cells").mkdir(parents=True)
    results = tiny_results()
    for i, (key, rows) in enumerate(results.groupby(["suite", "dataset", "method", "seed"])):
        if i < 5:
            rows.to_parquet(run / "cells" / f"{'__'.join(map(str, key))}.parquet")
    (run / "run.log").write_text("2026-11-30 00:00:00,000 INFO run: 18 cells, 0 already finished\n")
    assert main(["report", "--runs", str(run), "--out", str(tmp_path / "paper")]) == 0
    err = capsys.readouterr().err
    assert "5 finished cells, results.parquet absent; 13 of 18 planned cells missing" in err
    assert (tmp_path / "paper" / "index.html").is_file()


@pytest.mark.parametrize("stored", ["results.parquet", "cells"])
def test_report_on_only_failed_cells_exits_1_with_one_line(tmp_path, capsys, stored):
    run = tmp_path / "failed"
    (run / "cells").mkdir(parents=True)
    rows = pd.DataFrame([cell_rows("toy", "small", "mine", s, 0.0, 2400, status="error") for s in range(2)])
    if stored == "cells":  # a killed run
        for seed, cell in rows.groupby("seed"):
            cell.to_parquet(run / "cells" / f"toy__small__mine__seed{seed}.parquet")
    else:
        rows.to_parquet(run / "results.parquet")
    assert main(["report", "--runs", str(run), "--out", str(tmp_path / "paper")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no cell succeeded" in err and "2 error" in err
    assert not (tmp_path / "paper" / "index.html").exists()


def test_report_takes_absolute_glob_patterns(tmp_path):
    run = tmp_path / "results" / "tiny"
    run.mkdir(parents=True)
    tiny_results().to_parquet(run / "results.parquet")
    assert main(["report", "--runs", str(tmp_path / "results" / "*"), "--out", str(tmp_path / "paper")]) == 0
    assert (tmp_path / "paper" / "toy.html").is_file()


def test_the_suite_page_flags_cells_run_on_code_that_differed_from_its_commit():
    cells = pd.DataFrame({"git_dirty": [False, True, None]})
    line, warning = html.code_differed(cells)
    assert line == "no (1 cells); yes (1 cells); not recorded (1 cells)"
    assert warning.startswith("1 of 3 cells ran on code that differed from their commit (git_dirty)")
    assert html.code_differed(cells.assign(git_dirty=False))[1] == ""
    assert html.code_differed(pd.DataFrame({"seed": [0]}))[0].startswith("not recorded")


def test_the_index_shows_a_scorecard_first_when_given(tmp_path):
    results = tiny_results().assign(source="results/tiny", reference=True)
    scorecard = pd.DataFrame({"claim": ["CRM > DRM on Covertype"], "verdict": ["reproduced"]})
    html.write_site(results, [], tmp_path, scorecard=scorecard, scorecard_notes=["from results/"])
    index = (tmp_path / "index.html").read_text()
    assert index.index('<h2 id="claims">') < index.index('<h2 id="runs">')
    assert '<td class="verdict-reproduced">reproduced</td>' in index and "from results/" in index
    html.write_site(results, [], tmp_path)
    assert 'id="claims"' not in (tmp_path / "index.html").read_text()
