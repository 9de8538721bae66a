"""Benchmark: what each row of an HCL suite costs, wall time from the committed run and CPU time measured.

Wall: the fit and predict seconds recorded in results/<suite>/results.parquet, per seed (a row scored
from another row's fit, a suite's `rankings`, costs no fit of its own). CPU: the rows named by --cpu are
computed again for one seed, each in a child process (data loaded and split before the clock starts),
counting the CPU of every thread and of every process the cell starts; the result is not stored.
Writes docs/perf/<suite>.md.

    OMP_NUM_THREADS=1 python scripts/bench_hcl.py --suite hcl-covertype --data-dir ../shared/data \\
        [--cpu causal-forest,random] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cell import load_data, registry, run_cell, split_rows  # noqa: E402
from benchmarks.perf import machine, write_page  # noqa: E402
from benchmarks.plan import cells_of, method_entries, resolve_suite  # noqa: E402
from benchmarks.seeds import derive_seed  # noqa: E402


def recorded_wall(results: pd.DataFrame, fits: dict[str, str]) -> pd.DataFrame:
    """Per row, in the suite's order: seeds, the median and range over seeds of the recorded fit + predict
    seconds (Optuna's trials excluded), and their total (a row scored from another row's fit, `fits` naming
    that row, adds its ranking seconds only)."""
    cells = results[results["status"] == "ok"].drop_duplicates(["method", "seed"])
    rows = []
    for label in [label for label in fits if label in set(cells["method"])]:
        part = cells[cells["method"] == label]
        own_fit = fits.get(label, label) == label
        seconds = part["predict_seconds"] + (part["fit_seconds"] if own_fit else 0.0)
        rows.append(
            {
                "row": label,
                "fit": "own" if own_fit else f"{fits[label]}'s",
                "seeds": part["seed"].nunique(),
                "wall per seed, median (s)": seconds.median(),
                "wall per seed, range (s)": f"{seconds.min():.3g}-{seconds.max():.3g}",
                "wall, all seeds (min)": seconds.sum() / 60,
            }
        )
    return pd.DataFrame(rows)


def one_cell(suite_name: str, label: str, seed: int, data_dir: str | None) -> None:
    """Compute one row's cell of `seed` (data loaded and split first) and print, as JSON, the CPU seconds
    this process spent before it and the cell's wall seconds."""
    suite = resolve_suite(suite_name)
    cells = cells_of(suite, registry(), methods=[label], seeds=seed + 1)
    (cell,) = [c for c in cells if c.method == label and c.seed == seed]
    load_data(cell.data_key, data_dir)
    split_rows(cell.data_key, data_dir, tuple(cell.split), derive_seed("split", cell.dataset, cell.seed))
    setup_cpu = time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        wall = time.perf_counter()
        result = run_cell(cell, data_dir, f"sqlite:///{folder}/optuna.db")
        wall = time.perf_counter() - wall
    status = sorted(set(result.rows["status"]))
    print(json.dumps({"setup_cpu": setup_cpu, "wall": wall, "status": status, "reason": result.details}))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured_cpu(suite_name: str, labels: list[str], seed: int, data_dir: str | None) -> dict:
    """(CPU seconds, wall seconds) of each row's cell of `seed`, each computed in a child process: the CPU
    of the child and of every process it started (causalml's R-learner cross-fits in joblib workers),
    less the child's start, data load and split."""
    measured = {}
    for label in labels:
        before = children_cpu()
        command = [sys.executable, __file__, "--suite", suite_name, "--one", label, "--seed", str(seed)]
        out = subprocess.run(
            command + (["--data-dir", data_dir] if data_dir else []), capture_output=True, text=True
        )
        if out.returncode != 0:
            raise SystemExit(f"{label}: {out.stderr.strip().splitlines()[-1]}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        if report["status"] != ["ok"]:
            raise SystemExit(f"{label}: {report['status']}: {report['reason']}")
        measured[label] = (children_cpu() - before - report["setup_cpu"], report["wall"])
        print(
            f"{label}, seed {seed}: {measured[label][0]:.1f} s CPU, {report['wall']:.1f} s wall", flush=True
        )
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="hcl-covertype")
    parser.add_argument("--results", help="run folder (default: results/<suite>)")
    parser.add_argument("--cpu", help="comma-separated row labels to compute again for CPU time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process that computes one row's cell
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.one:
        return one_cell(args.suite, args.one, args.seed, args.data_dir)
    suite = resolve_suite(args.suite)
    fits = {}
    for entry in method_entries(suite, registry()):
        label = entry.label or entry.name
        fits[label] = label
        fits.update({derived: label for derived in entry.rankings})
    labels = args.cpu.split(",") if args.cpu else []
    measured = measured_cpu(args.suite, labels, args.seed, args.data_dir) if labels else {}
    folder = Path(args.results or ROOT / "results" / suite.name)
    results = pd.read_parquet(folder / "results.parquet")
    table = recorded_wall(results[results["method"].isin(fits)], fits)
    if labels:
        table[f"CPU, seed {args.seed} (s)"] = table["row"].map(lambda r: measured.get(r, (None, None))[0])
        table[f"wall, seed {args.seed} (s)"] = table["row"].map(lambda r: measured.get(r, (None, None))[1])
    commits = ", ".join(sorted(set(results["git_commit"])))
    write_page(
        suite.name,
        f"{suite.name}: what each row costs",
        f"Measured by `python scripts/bench_hcl.py --suite {suite.name}"
        + (f" --cpu {args.cpu} --seed {args.seed}" if labels else "")
        + f"` on {machine()}. Wall: the fit + predict seconds recorded in {folder.relative_to(ROOT)}"
        f"/results.parquet (commits {commits}), on the shared machine under whatever load it had, without "
        "Optuna's trials (tlearner-lgbm tunes 8 before its fit); a row "
        "scored from another row's fit (the suite's `rankings`) adds its ranking seconds only. CPU: the "
        "named rows computed again for one seed, each in a child process (every thread and every process "
        "the cell starts counted, tuning included), the data loaded and split beforehand.",
        table,
        "No target: the figures say what a full run of the suite costs and where the time goes.",
    )


if __name__ == "__main__":
    main()
