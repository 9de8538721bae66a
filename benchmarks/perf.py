"""What the benchmark scripts (scripts/bench_*.py) share: the page they write into docs/perf/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from benchmarks.environment import device

PERF_DIR = Path(__file__).resolve().parent.parent / "docs" / "perf"


def machine() -> str:
    """The machine the figures were measured on, for the page's first sentence."""
    return f"{device()}, {os.cpu_count()} cores"


def write_page(name: str, title: str, method: str, table: pd.DataFrame, target: str) -> Path:
    """docs/perf/<name>.md: title, how it was measured, the table and the target it is judged by."""
    text = f"# {title}\n\n{method}\n\n{table.to_markdown(index=False, floatfmt='.3g')}\n\n{target}\n"
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    path = PERF_DIR / f"{name}.md"
    path.write_text(text)
    print(text)
    return path


def run_snippet(code: str, threads: int) -> dict:
    """Run `code` in a fresh Python process with `threads` OpenMP/MKL threads; the JSON object it prints
    on its last line."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])
