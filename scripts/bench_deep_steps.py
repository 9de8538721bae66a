"""Benchmark: the best of N single training steps (batch 15,360, CRITEO-shaped synthetic rows: 12 features,
one arm, two binary outcomes; not CRITEO's rows), one thread, no Lightning, for the current code and an
earlier commit alternately. On a shared machine the fastest step of each is the least disturbed one, so
their ratio is steadier than whole-run rates (scripts/bench_deep.py). Prints; docs/perf/deep.md quotes it.

    python scripts/bench_deep_steps.py [--before 72b57d0] [--steps 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = """
import sys, time, torch
sys.path.insert(0, {root!r})
torch.set_num_threads(1)
from methods.core.deep.baselines import TLearnerNet
from methods.core.deep.mtmt import MTMT
torch.manual_seed(0)
n = 15360
x, t, y = torch.randn(n, 12), (torch.rand(n) < 0.85).long(), (torch.rand(n, 2) < 0.05).float()
models = {{"mtmt": lambda: MTMT(12, 1, 2), "mtmt-features": lambda: MTMT(12, 1, 2, attention_keys="features"),
          "tlearner-net": lambda: TLearnerNet(12, 1, 2)}}
for name, build in models.items():
    net = build().train()
    optimiser = torch.optim.AdamW(net.parameters(), 1e-3)
    times = []
    for _ in range({steps}):
        start = time.perf_counter()
        optimiser.zero_grad()
        net.loss((x, t, y)).backward()
        optimiser.step()
        times.append(time.perf_counter() - start)
    best = min(times[1:])
    print(f"{{name}}: best step {{best * 1000:.0f}} ms, {{n / best:,.0f}} rows/s", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="72b57d0")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        git = ["git", "-C", str(ROOT), "archive", args.before]
        archive = subprocess.run(git, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        for _ in range(args.rounds):
            for code, root in (("before", tmp), ("after", str(ROOT))):
                code_text = STEPS.format(root=root, steps=args.steps)
                env = {**os.environ, "OMP_NUM_THREADS": "1"}
                out = subprocess.run(
                    [sys.executable, "-c", code_text], capture_output=True, text=True, check=True, env=env
                )
                for line in out.stdout.splitlines():
                    print(f"{code:6} {line}", flush=True)


if __name__ == "__main__":
    main()
