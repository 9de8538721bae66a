"""What the benchmark scripts (scripts/bench_*.py) share: the page they write into docs/perf/."""

from __future__ import annotations

import os
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
