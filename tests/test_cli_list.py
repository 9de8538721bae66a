"""`--help` and `list`: light start-up, every capability in aligned columns, a closed pipe is no error."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cli import COMMANDS, build_parser, main
from benchmarks.commands.list import CAPABILITY_COLUMNS, listing_lines
from methods.core.base import Capabilities

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "sklearn", "matplotlib", "torch")
LOADED = """
import json, sys
from benchmarks.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.mark.parametrize("args", [["--help"], ["list"], ["list", "--json"]])
def test_help_and_list_import_no_heavy_library(args):
    out = subprocess.run(
        [sys.executable, "-c", LOADED, *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "benchmarks" in loaded and not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_top_level_help_is_the_same_whichever_command_is_loaded(command):
    assert build_parser([command]).format_help() == build_parser([]).format_help()


def test_every_capability_is_a_column_of_list():
    assert set(CAPABILITY_COLUMNS) == {f.name for f in dataclasses.fields(Capabilities)}


def test_list_shows_the_capabilities_of_each_method(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["name", "arms"])
    for column in ("binary only", "needs cost", "uses cost", "predicts"):
        assert column in header
    rows = {
        line.split()[0]: line.split() for line in lines[lines.index(header) + 1 :] if line.startswith("  ")
    }
    assert rows["uplift-tree"][1:6] == ["several", "several", "yes", "-", "as"]  # binary only, no cost
    assert rows["crm"][1:6] == ["several", "several", "-", "yes", "yes"]  # needs and uses cost


def test_list_columns_stay_aligned_for_long_names():
    caps = dataclasses.asdict(Capabilities(multi_arm=False, native="one model"))
    listing = {
        "datasets": [{"name": "a-dataset-with-a-very-long-name-indeed", "description": "long"}],
        "methods": [
            {"name": "short", "capabilities": caps, "source": "methods/short.py"},
            {
                "name": "a-method-whose-name-is-far-longer-than-eighteen-characters",
                "capabilities": caps,
                "source": "/home/me/uplift/plugins/long.py",
            },
        ],
        "refused_methods": {},
        "broken_method_files": {},
        "suites": [{"name": "s", "description": "d"}],
    }
    lines = listing_lines(listing)
    header = lines[lines.index("methods:") + 1]
    rows = lines[lines.index("methods:") + 2 : lines.index("suites:")]
    starts = [header.index(column) for column, _ in CAPABILITY_COLUMNS.values()] + [header.index("from")]
    for row in rows:
        for start in starts:
            assert row[start - 2 : start] == "  " and row[start] != " ", (row, start)


def test_list_into_a_closed_pipe_is_no_error():
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks", "list"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader is gone before the listing is written, as with `list | head -0`
    stderr = process.stderr.read().decode()
    assert process.wait() == 0 and "Error" not in stderr and "Traceback" not in stderr, stderr
