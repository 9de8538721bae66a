"""Benchmark: how the suite scales here. Writes docs/perf/scale.md from the measurements below.

    python scripts/bench_scale.py suites              # wall time of each committed run (results/*/run.log)
    python scripts/bench_scale.py jobs [--suite smoke] # the same suite with --jobs 1, then --jobs 2
    python scripts/bench_scale.py rows [--sizes 1000000 4000000 13979592] [--batches 8] [--steps 3]
    python scripts/bench_scale.py page                # docs/perf/scale.md from the measurements kept

`rows` trains MTMT (paper form, batch 15,360, `--batches` mini-batches) and DRM and CRM (the methods'
full-batch recipe, 5 initialisations, `--steps` Adam steps over all rows) on GENERATED CRITEO-shaped
rows (datasets/synthetic.py: 12 features, one arm, one outcome, a cost for DRM/CRM), each (model, size)
in a fresh process: training rows/s and the peak memory while the data is built and during training
(the mark reset in between). The slope of log(y) on log(rows) says how each grows with rows (1 = linear,
0 = flat). Measurements are kept in docs/perf/scale-data/*.json, beside the records
scripts/rehearse_criteo.py keeps there; `page` writes the page from them, keeping the "## Serial vs Dask"
(measured by another script) and "## Notes" (written by hand) sections the page already has.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.perf import PERF_DIR, machine  # noqa: E402

KEPT = ROOT / "docs" / "perf" / "scale-data"  # the measurements the page is written from
REHEARSALS = "rehearsal-*.json"  # written there by scripts/rehearse_criteo.py run
BATCH = 15_360
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ ")
CRITEO_TRAIN_ROWS = 11_183_674
KEEP_SECTIONS = ("## Serial vs Dask", "## Notes")  # written by hand or by other scripts

TRAIN = """
import json, os, sys, time, warnings
sys.path.insert(0, {root!r})
warnings.filterwarnings("ignore")
import numpy as np, torch
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
from benchmarks.phases import peak_rss_bytes, reset_peak
from datasets import synthetic
model, rows, batches, steps = {model!r}, {rows}, {batches}, {steps}
cost = model != "mtmt"
data = synthetic.generate(n_rows=rows, n_arms=1, n_outcomes=1, n_features=12, with_cost=cost, seed=0)
data_gib = (data.X.nbytes + data.treatment.nbytes + data.y.nbytes) / 2**30
build_peak_gib = peak_rss_bytes() / 2**30  # read before the reset, which also resets ru_maxrss
reset_peak()
if model == "mtmt":
    import lightning as L
    from methods.core.deep.mtmt import MTMT
    from methods.core.deep.training import loader
    net = MTMT(12, 1, 1)
    stream = loader((data.X, data.treatment, data.y.astype("float32")), 15360, shuffle=True, seed=0)
    limit = min(batches, len(stream.dataset))
    options = dict(max_epochs=1, accelerator="auto", devices=1, logger=False, enable_checkpointing=False,
                   enable_progress_bar=False, enable_model_summary=False)
    L.Trainer(limit_train_batches=1, **options).fit(net, train_dataloaders=stream)  # warm-up, not timed
    start = time.perf_counter()
    L.Trainer(limit_train_batches=limit, **options).fit(net, train_dataloaders=stream)
    trained = min(limit * 15360, rows)
else:
    from methods.core.registry import discover
    first = slice(0, 1000)  # warm-up on 1,000 rows, not timed
    warm = discover().get(model)(max_epochs=1)
    warm.fit(data.X[first], data.treatment[first], data.y[first], cost=data.cost[first], seed=0)
    method = discover().get(model)(max_epochs=steps)
    start = time.perf_counter()
    method.fit(data.X, data.treatment, data.y, cost=data.cost, propensity=data.propensity, seed=0)
    trained = rows * steps
seconds = time.perf_counter() - start
print(json.dumps({{"trained_rows": trained, "seconds": seconds, "train_peak_gib": peak_rss_bytes() / 2**30,
                  "build_peak_gib": build_peak_gib, "data_gib": data_gib}}))
"""


def keep(name: str, record: dict) -> None:
    KEPT.mkdir(parents=True, exist_ok=True)
    (KEPT / f"{name}.json").write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))


def kept(name: str) -> dict | None:
    path = KEPT / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def circumstances() -> dict:
    return {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": round(os.getloadavg()[0], 1),
        "omp_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "git_commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }


def log_spans(path: Path) -> dict:
    """From a run.log: its first and last time stamps, the `run` invocations, and their summed spans
    (each from its `run:` line to the last line before the next invocation)."""
    stamps, starts = [], []
    for line in path.read_text().splitlines():
        found = STAMP.match(line)
        if not found:
            continue
        stamps.append(datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S"))
        if " run: " in line and "cells" in line:
            starts.append(len(stamps) - 1)
    bounds = [*starts, len(stamps)]
    spans = [(stamps[b - 1] - stamps[a]).total_seconds() for a, b in zip(bounds, bounds[1:], strict=False)]
    cells = len(re.findall(r"__seed\d+ (?:ok|skipped|error)", path.read_text()))
    return {
        "first": stamps[0].isoformat(sep=" "),
        "last": stamps[-1].isoformat(sep=" "),
        "elapsed_min": (stamps[-1] - stamps[0]).total_seconds() / 60,
        "invocations": len(starts),
        "invocation_min": sum(spans) / 60,
        "cells_logged": cells,
    }


def measure_suites() -> None:
    runs = {log.parent.name: log_spans(log) for log in sorted((ROOT / "results").glob("*/run.log"))}
    keep("suites", {**circumstances(), "runs": runs})


def measure_jobs(suite: str, methods: str | None) -> None:
    env = {**os.environ, "UPLIFT_DOWNLOAD": "0"}
    results, started = [], circumstances()
    for jobs in (1, 2):
        out = KEPT / f"{suite}-jobs{jobs}"
        load = os.getloadavg()[0]
        start = time.perf_counter()
        argv = [sys.executable, "-m", "benchmarks", "run", "--suite", suite, "--jobs", str(jobs)]
        argv += ["--methods", methods] if methods else []
        done = subprocess.run([*argv, "--out", str(out), "--force"], cwd=ROOT, env=env, capture_output=True)
        seconds = time.perf_counter() - start
        results.append({"jobs": jobs, "seconds": seconds, "load_at_start": load, "rc": done.returncode})
        print(results[-1], flush=True)
    now = {**circumstances(), "git_commit": started["git_commit"]}
    keep("jobs", {**now, "suite": suite, "methods": methods, "runs": results})


def measure_rows(sizes: list[int], models: list[str], batches: int, steps: int) -> None:
    results, started = [], circumstances()
    for model in models:
        for rows in sizes:
            code = TRAIN.format(root=str(ROOT), model=model, rows=rows, batches=batches, steps=steps)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if out.returncode != 0:
                results.append({"model": model, "rows": rows, "error": out.stderr.strip().splitlines()[-1]})
            else:
                result = json.loads(out.stdout.strip().splitlines()[-1])
                results.append({"model": model, "rows": rows, **result})
            print(results[-1], flush=True)
            now = circumstances()
            keep(
                "rows",
                {
                    **now,
                    "git_commit": started["git_commit"],
                    "batches": batches,
                    "steps": steps,
                    "runs": results,
                },
            )


def slope(x, y) -> float:
    """The slope of log(y) on log(x), least squares."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def suites_table(record: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "suite (results/)": name,
                "first log line": run["first"],
                "last log line": run["last"],
                "elapsed (min)": run["elapsed_min"],
                "`run` invocations": run["invocations"],
                "invocations' spans (min)": run["invocation_min"],
                "cells logged": run["cells_logged"],
            }
            for name, run in record["runs"].items()
        ]
    )


def rows_table(record: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (model, rows): rows/s and peak memory; per model: the log-log slopes. The peak while the
    data was built is shown where it was recorded (records before it was read carry only the training's)."""
    runs = pd.DataFrame([r for r in record["runs"] if "error" not in r])
    runs["rows/s"] = runs["trained_rows"] / runs["seconds"]
    names = {
        "trained_rows": "rows trained",
        "data_gib": "data (GiB)",
        "train_peak_gib": "peak during training (GiB)",
        "build_peak_gib": "peak while building the data (GiB)",
    }
    table = runs.rename(columns=names)
    peaks = [name for key, name in names.items() if key.endswith("peak_gib") and name in table]
    slopes = [
        {
            "model": model,
            "sizes": len(group),
            "slope of rows/s": slope(group["rows"], group["rows/s"]),
            **{f"slope of {n.removesuffix(' (GiB)')}": slope(group["rows"], group[n]) for n in peaks},
        }
        for model, group in table.groupby("model", sort=False)
        if len(group) > 1
    ]
    columns = ["model", "rows", "rows trained", "seconds", "rows/s", "data (GiB)", *peaks]
    return table[columns], pd.DataFrame(slopes)


def phases_table(record: dict) -> pd.DataFrame:
    table = pd.DataFrame(record["rows"]).rename(columns={"seconds": "wall (s)", "peak_gib": "peak RSS (GiB)"})
    table["cell"] = table["cell"].str.replace(r"^mtmt-criteo__criteo__", "", regex=True)
    epochs = table["phase"].str.startswith("epoch")  # an epoch belongs to the fit logged after it
    table.loc[epochs, "cell"] = table["cell"].where(table["cell"] != "").bfill()[epochs]
    return table[["step", "phase", "cell", "wall (s)", "peak RSS (GiB)"]]


def rehearsal_section(record: dict) -> list[str]:
    """The rehearsal's phase table, each cell's total, and the full epoch extrapolated from the capped one."""
    batches = record["train_batches"]
    capped = f"the first {batches} mini-batches of each epoch" if batches else "every mini-batch"
    table = phases_table(record)
    described = {
        "checksum": "`data verify` (checksum)",
        "parse": "`data info` on a cold cache (CSV parse, checks, parquet cache write)",
        "run": f"`run --suite mtmt-criteo --methods {record['methods']} --seeds 1 --max-epochs "
        f"{record['max_epochs']}` training on {capped}",
        "report": "`report`",
    }
    steps = [described[step] for step in record.get("steps", described)]
    lines = [
        f"## Full-size rehearsal of mtmt-criteo (GENERATED file), commit {record['git_commit'][:7]}\n",
        "`scripts/rehearse_criteo.py generate` wrote a GENERATED file in CRITEO's layout and size "
        "(13,979,592 rows, the official header, number format and gzip; features resampled from the "
        "official 1,000-row sample, a planted effect of treatment on visit); it is not the CRITEO data "
        "and the loader reports it as unverified. `rehearse_criteo.py run` then ran, each step in its "
        f"own process, started {record['started']} (load average {record['load_at_start']:.1f}, "
        f"OMP_NUM_THREADS=1, nice 10): {', '.join(steps)}. '(whole process)' "
        "rows are each process's wall time and peak RSS; the others are the run's phase lines "
        "(benchmarks/phases.py: each phase's own peak, the mark reset at its start; epoch lines carry "
        "the fit's peak so far).\n",
        table.to_markdown(index=False, floatfmt=("", "", "", ".1f", ".2f")) + "\n",
    ]
    train = table[table["phase"] == "epoch1-train"]
    if batches and record.get("n_train") and len(train):
        n_train = record["n_train"]
        full = -(-n_train // BATCH)
        cells = table[table["phase"] == "fit"]["cell"].tolist()
        estimates = [
            f"{cell}: {seconds:.0f} s for {batches} batches, so {seconds * full / batches / 60:.0f} min for "
            f"the {full} batches of a full epoch ({batches * BATCH / seconds:,.0f} rows/s)"
            for cell, seconds in zip(cells, train["wall (s)"], strict=False)
        ]
        lines.append(
            f"Training time of a full epoch over the {n_train:,} training rows, extrapolated from the "
            "capped epoch at this load: " + "; ".join(estimates) + ".\n"
        )
    return lines


def markdown(table: pd.DataFrame) -> str:
    return table.to_markdown(index=False, floatfmt=".3g")


def kept_sections(path: Path) -> list[str]:
    """The page's sections that other scripts or people write (KEEP_SECTIONS), verbatim."""
    if not path.is_file():
        return []
    sections = re.split(r"(?m)^(?=## )", path.read_text())
    return [s.rstrip() + "\n" for s in sections if s.startswith(KEEP_SECTIONS)]


def write_page() -> None:
    path = PERF_DIR / "scale.md"
    parts = [
        "# Scale: suites, parallel jobs, rows, and a full-size rehearsal\n",
        f"Measured on {machine()} by `scripts/bench_scale.py` and `scripts/rehearse_criteo.py`. The machine "
        "was shared with other jobs throughout (the load average is given with each measurement): absolute "
        "times are upper bounds for an idle machine; ratios measured within one run are the figures to "
        "compare.\n",
    ]
    if suites := kept("suites"):
        parts += [
            "## Wall time of each suite here\n",
            "From the time stamps of each committed `results/<suite>/run.log` "
            "(`bench_scale.py suites`). These "
            "runs shared the machine with other work, some were resumed or run in pieces (several `run` "
            "invocations; the spans sum each invocation's first to last line), so they bound the time from "
            "above; a log begins after the command's start-up and data loading (the README's smoke "
            "run: 2 min 24 s from the command line). Suites without a committed run.log here (mtmt-criteo, "
            "synthetic-mtmt) are not listed.\n",
            markdown(suites_table(suites)) + "\n",
        ]
    if jobs := kept("jobs"):
        one, two = jobs["runs"]
        parts += [
            "## --jobs 1 against --jobs 2\n",
            f"`bench_scale.py jobs --suite {jobs['suite']}"
            + (f" --methods {jobs['methods']}" if jobs.get("methods") else "")
            + "` ran the suite with `--jobs 1`, "
            f"then with `--jobs 2` "
            f"(each `--force`, fresh run folder), at commit {jobs['git_commit']}, finished "
            f"{jobs['when']}; load "
            f"average {one['load_at_start']:.1f} and {two['load_at_start']:.1f} when each began.\n",
            markdown(pd.DataFrame(jobs["runs"])) + "\n",
            f"Speed-up from --jobs 1 to --jobs 2: {one['seconds'] / two['seconds']:.2f}x.\n",
        ]
    if rows := kept("rows"):
        table, slopes = rows_table(rows)
        parts += [
            "## Training rows/s and peak memory by number of rows\n",
            f"`bench_scale.py rows --batches {rows['batches']} --steps {rows['steps']}` at commit "
            f"{rows['git_commit']} (load average {rows['load']} when it finished {rows['when']}, "
            f"OMP_NUM_THREADS="
            f"{rows['omp_threads']}): GENERATED CRITEO-shaped rows (datasets/synthetic.py: 12 features, one "
            f"arm, one outcome, a cost for DRM/CRM), each (model, rows) in a fresh process. "
            f"MTMT (paper form) "
            f"trains {rows['batches']} mini-batches of 15,360 after one untimed warm-up batch; DRM and CRM "
            f"(their defaults: 5 initialisations, full batch) {rows['steps']} Adam steps over "
            f"every row after "
            "an untimed warm-up fit on 1,000 rows. Peak during training: the process's peak resident "
            "memory from after the data was built (the data and the imported libraries included) to the "
            "end of training.\n",
            markdown(table) + "\n",
            "Growth with rows: the least-squares slope of log(y) on log(rows) (0 = flat, 1 = linear).\n",
            markdown(slopes) + "\n",
        ]
    for kept_record in sorted(KEPT.glob(REHEARSALS)):
        parts += rehearsal_section(json.loads(kept_record.read_text()))
    parts += kept_sections(path)
    PERF_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    print(path.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("suites", help="wall time of each results/*/run.log")
    jobs = actions.add_parser("jobs", help="one suite with --jobs 1 and --jobs 2")
    jobs.add_argument("--suite", default="smoke")
    jobs.add_argument("--methods", help="only these methods of the suite (run's --methods)")
    rows = actions.add_parser("rows", help="training rows/s and peak memory by number of rows")
    rows.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 4_000_000, 13_979_592])
    rows.add_argument("--models", default="mtmt,drm,crm")
    rows.add_argument("--batches", type=int, default=8, help="MTMT mini-batches of 15,360 per size")
    rows.add_argument("--steps", type=int, default=3, help="DRM/CRM full-batch steps per size")
    actions.add_parser("page", help="write docs/perf/scale.md from the kept measurements")
    args = parser.parse_args()
    if args.action == "suites":
        measure_suites()
    elif args.action == "jobs":
        measure_jobs(args.suite, args.methods)
    elif args.action == "rows":
        measure_rows(args.sizes, args.models.split(","), args.batches, args.steps)
    else:
        write_page()


if __name__ == "__main__":
    main()
