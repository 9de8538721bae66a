"""Full-size rehearsal of `run --suite mtmt-criteo` without the CRITEO file: a GENERATED file in CRITEO's
layout and size, read through the criteo loader, with the wall time and peak memory of every phase.

    python scripts/rehearse_criteo.py generate [--rows 13979592] [--out tmp/rehearsal/data]
    python scripts/rehearse_criteo.py run [--methods mtmt] [--max-epochs 1] [--train-batches 0]
                                          [--work tmp/rehearsal] [--steps checksum,parse,run,report]

`generate` writes criteo-uplift-v2.1.csv.gz (the name the loader looks for) with the official header,
column order, number format and gzip compression: features drawn column by column from the values of the
1,000-row official sample (tests/data), treatment 85%, and visit, conversion and exposure drawn with a
planted effect of treatment on visit that grows with f8. It is NOT the CRITEO data and must never be
stored or registered as it: keep it out of ../shared/data and any folder the loader searches by default.
The loader accepts it as an unverified file (checksum_ok None, as for any file with no published sha256:
only the official .gz's size and sha256 are published), so no checksum is bypassed or faked.

`run` times each phase in its own process, with the parquet cache in WORK/cache (never the user cache):
checksum (`data verify`), parse (`data info` on a cold cache: CSV parse, checks, parquet write), then the
run itself, whose phase lines (cache read, split, fit, predict, metrics, predictions, save, report) come
from benchmarks/phases.py in run.log, and finally `report` on the run folder. `--train-batches B` caps
each epoch at B mini-batches (by setting Lightning's limit_train_batches in the run's process: a
rehearsal's shortcut, stated in its record); an EpochClock callback added there logs each epoch's
training and validation time. Writes WORK/phases.json and a copy in docs/perf/scale-data/, which
scripts/bench_scale.py page turns into docs/perf/scale.md. The generated data and the run stay under tmp/
(ignored by git).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.phases import read_phases  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "criteo-uplift-v2.1.rows1000.csv.gz"
FILE_NAME = "criteo-uplift-v2.1.csv.gz"
KEPT = ROOT / "docs" / "perf" / "scale-data"
CRITEO_ROWS = 13_979_592
FEATURES = [f"f{i}" for i in range(12)]
COLUMNS = [*FEATURES, "treatment", "conversion", "visit", "exposure"]
TREATED_SHARE = 0.85
CHUNK_ROWS = 1_000_000
PLAIN = {"quoting_style": "none", "quoting_header": "none"}  # the official file quotes nothing
GZIP_LEVEL = 1  # gzip's fastest level: the same format, a third of level 6's CPU time


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def sample_values() -> dict[str, np.ndarray]:
    """Each feature's values in the official 1,000-row sample (float64, so they print as they were read)."""
    table = pacsv.read_csv(SAMPLE)
    return {f: table[f].to_numpy().astype(np.float64) for f in FEATURES}


def planted_chunk(rng: np.random.Generator, rows: int, values: dict[str, np.ndarray]) -> pa.Table:
    """`rows` generated rows: features resampled per column, treatment 85%, visit with a planted effect
    (logit uplift 0.35 * (1 + tanh(z8)), z = the standardised feature), conversion a share of visits,
    exposure only among the treated."""
    columns = {f: rng.choice(values[f], rows) for f in FEATURES}
    z = {f: (columns[f] - values[f].mean()) / (values[f].std() or 1.0) for f in ("f0", "f2", "f8")}
    treatment = (rng.random(rows) < TREATED_SHARE).astype(np.int8)
    base = -3.3 + 0.4 * np.tanh(z["f0"]) - 0.3 * np.tanh(z["f2"])
    uplift = 0.35 * (1.0 + np.tanh(z["f8"]))
    visit = (rng.random(rows) < _sigmoid(base + treatment * uplift)).astype(np.int8)
    conversion = (visit & (rng.random(rows) < 0.06)).astype(np.int8)
    exposure = (treatment & (rng.random(rows) < 0.036)).astype(np.int8)
    outcomes = {"treatment": treatment, "conversion": conversion, "visit": visit, "exposure": exposure}
    return pa.table({**columns, **outcomes}).select(COLUMNS)


def generate(out_dir: Path, rows: int = CRITEO_ROWS, seed: int = 0) -> Path:
    """Write OUT_DIR/criteo-uplift-v2.1.csv.gz of `rows` generated rows (atomically: a killed run leaves
    no file the loader would pick up)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FILE_NAME
    temporary = out_dir / f".{FILE_NAME}.{os.getpid()}.part"
    rng = np.random.default_rng(seed)
    values = sample_values()
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # wbits 31: the gzip format
    with open(temporary, "wb") as out:
        for start in range(0, rows, CHUNK_ROWS):
            chunk = planted_chunk(rng, min(CHUNK_ROWS, rows - start), values)
            options = pacsv.WriteOptions(include_header=not start, **PLAIN)
            text = io.BytesIO()
            pacsv.write_csv(chunk, text, options)
            out.write(packer.compress(text.getbuffer()))
        out.write(packer.flush())
    os.replace(temporary, target)
    return target


BOOT = """
import logging, sys, time
import lightning
from benchmarks.cli import main
from benchmarks.phases import peak_rss_bytes

log = logging.getLogger("benchmarks.phases")


class EpochClock(lightning.Callback):
    # each epoch's training and validation time; peak RSS is the fit phase's so far (not reset here)
    def on_train_epoch_start(self, trainer, module):
        self.start = time.perf_counter()

    def on_validation_start(self, trainer, module):
        self.lap(trainer, "train")

    def on_validation_end(self, trainer, module):
        self.lap(trainer, "validation")

    def lap(self, trainer, part):
        now = time.perf_counter()
        name = "epoch%d-%s" % (trainer.current_epoch + 1, part)
        log.info("phase %s: %.2f s, peak RSS %.3f GiB", name, now - self.start, peak_rss_bytes() / 2**30)
        self.start = now


class Trainer(lightning.Trainer):
    def __init__(self, *args, **kwargs):
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), EpochClock()]
        if TRAIN_BATCHES:
            kwargs["limit_train_batches"] = TRAIN_BATCHES
        super().__init__(*args, **kwargs)


TRAIN_BATCHES = int(sys.argv[1])
lightning.Trainer = Trainer
sys.exit(main(sys.argv[2:]))
"""


def child(argv: list[str], env: dict, log) -> dict:
    """Run one step in its own process: wall seconds, peak RSS (that process's, from wait4) and status."""
    print("$", " ".join(argv), file=log, flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": time.perf_counter() - start,
        "peak_gib": usage.ru_maxrss / 2**20,
        "rc": process.returncode,
    }


def rehearse(work: Path, data_dir: Path, methods: str, max_epochs: int, train_batches: int, only) -> list:
    """The rehearsal's steps, each in its own process; returns the phase rows (steps and in-run phases)."""
    env = {
        **os.environ,
        "UPLIFT_CACHE_DIR": str((work / "cache").resolve()),
        "UPLIFT_DOWNLOAD": "0",
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    if "parse" in only:
        for stale in (work / "cache").glob("parsed/criteo-*.parquet"):
            stale.unlink()  # a cold cache: the parse is measured
    python = sys.executable
    cli = [python, "-m", "benchmarks"]
    run_dir = work / "run"
    steps = [
        ("checksum", [*cli, "data", "verify", "criteo", "--data-dir", str(data_dir)]),
        ("parse", [*cli, "data", "info", "criteo", "--data-dir", str(data_dir)]),
        ("run", [python, "-c", BOOT, str(train_batches), "run", "--suite", "mtmt-criteo", "--methods",
                 methods, "--seeds", "1", "--max-epochs", str(max_epochs), "--data-dir", str(data_dir),
                 "--out", str(run_dir), "--force"]),
        ("report", [*cli, "report", "--runs", str(run_dir), "--out", str(work / "paper")]),
    ]  # fmt: skip
    rows = []
    with open(work / "rehearsal.log", "a") as log:
        for name, argv in [(name, argv) for name, argv in steps if name in only]:
            result = child(argv, env, log)
            phases = read_phases((run_dir / "run.log").read_text()) if name == "run" else []
            # resetting the peak mark (benchmarks/phases.py) also resets the process's ru_maxrss: its
            # whole peak is the highest of its phases' peaks and what wait4 reports
            result["peak_gib"] = max([result["peak_gib"], *(p["peak_gib"] for p in phases)])
            rows += [{"step": name, "phase": "(whole process)", "cell": "", **result}]
            rows += [{"step": name, **p} for p in phases]
            if result["rc"] != 0:
                break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="action", required=True)
    make = actions.add_parser("generate", help="write the generated CRITEO-layout file")
    make.add_argument("--rows", type=int, default=CRITEO_ROWS)
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--out", type=Path, default=ROOT / "tmp" / "rehearsal" / "data")
    go = actions.add_parser("run", help="time each phase of the suite on the generated file")
    go.add_argument("--work", type=Path, default=ROOT / "tmp" / "rehearsal")
    go.add_argument("--methods", default="mtmt")
    go.add_argument("--max-epochs", type=int, default=1)
    go.add_argument("--train-batches", type=int, default=0, help="cap training batches per epoch (0 = all)")
    go.add_argument("--steps", default="checksum,parse,run,report", help="the steps to run (comma-separated)")
    args = parser.parse_args()
    if args.action == "generate":
        start = time.perf_counter()
        path = generate(args.out, args.rows, args.seed)
        print(f"{path}: {args.rows:,} GENERATED rows, {path.stat().st_size:,} bytes, "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
        return
    data_dir = args.work / "data"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    only = args.steps.split(",")
    rows = rehearse(args.work, data_dir, args.methods, args.max_epochs, args.train_batches, only)
    record = {
        "started": started,
        "load_at_start": load,
        "methods": args.methods,
        "max_epochs": args.max_epochs,
        "train_batches": args.train_batches,
        "steps": only,
        "git_commit": commit.strip(),  # when the run started
        "rows": rows,
    }  # fmt: skip
    results = args.work / "run" / "results.parquet"
    if results.is_file():
        record["n_train"] = int(pq.read_table(results, columns=["n_train"])["n_train"].to_numpy().max())
    (args.work / "phases.json").write_text(json.dumps(record, indent=1))
    KEPT.mkdir(parents=True, exist_ok=True)  # the copy docs/perf/scale.md is written from
    name = f"rehearsal-{started[:16].replace(' ', '-').replace(':', '')}.json"
    (KEPT / name).write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
