"""Benchmark: parse a CRITEO-layout file of 14M rows (first load) and reload it from the parquet cache.

Writes docs/perf/data.md. The file is generated in the official layout (random values, NOT Criteo data)
only to time the parser; each load runs in a fresh process so that its peak memory is its own.

    python scripts/bench_data.py [--rows 13979592]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import machine, write_page  # noqa: E402
from datasets.criteo import COLUMNS  # noqa: E402

LOAD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from datasets import criteo
start = time.perf_counter()
data = criteo.load(path={path!r})
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({{"rows": int(data.n_rows), "seconds": seconds, "peak_gib": peak}}))
"""


def write_layout(path: Path, rows: int, seed: int = 0) -> None:
    """A CSV with CRITEO's columns and types, written in chunks."""
    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, rows, 2_000_000):
        n = min(2_000_000, rows - start)
        columns = {f"f{i}": rng.normal(size=n).astype(np.float32) for i in range(12)}
        for name, p in (("treatment", 0.85), ("conversion", 0.003), ("visit", 0.047), ("exposure", 0.03)):
            columns[name] = (rng.random(n) < p).astype(np.int8)
        table = pa.table({c: columns[c] for c in COLUMNS})
        if writer is None:
            writer = pacsv.CSVWriter(str(path), table.schema)
        writer.write_table(table)
    writer.close()


def timed_load(path: Path, cache: Path) -> dict:
    env = {**os.environ, "UPLIFT_CACHE_DIR": str(cache), "UPLIFT_DOWNLOAD": "0"}
    code = LOAD.format(root=str(ROOT), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=13_979_592)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "criteo-uplift-v2.1.csv"
        start = time.perf_counter()
        write_layout(path, args.rows)
        write_seconds = time.perf_counter() - start
        size_gib = path.stat().st_size / 2**30
        first = timed_load(path, Path(tmp) / "cache")
        cached = timed_load(path, Path(tmp) / "cache")
    table = pd.DataFrame(
        [
            {"load": "first (pyarrow multithreaded CSV parse, parquet cache written)", **first},
            {"load": "cached (parquet cache read)", **cached},
        ]
    ).rename(columns={"peak_gib": "peak memory (GiB)"})
    write_page(
        "data",
        "Data loading: CRITEO layout",
        f"Measured by `python scripts/bench_data.py --rows {args.rows}` on {machine()}. A CSV of "
        f"{args.rows:,} rows in the official column layout ({size_gib:.2f} GiB, generated in "
        f"{write_seconds:.0f} s; random values, not Criteo data) is loaded through `datasets.criteo.load` in "
        "a fresh process each time.",
        table,
        "Targets: cached load under 5 s, peak memory under 4 GB for 14M rows.",
    )


if __name__ == "__main__":
    main()
