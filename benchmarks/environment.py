"""The environment every result row records: commit and dirty flag, library versions, device."""

from __future__ import annotations

import functools
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
# what decides a result: code, suites and pinned requirements (not results/, paper/, docs/ or runs/)
CODE_PATHS = ("benchmarks", "datasets", "methods", "metrics", "requirements.txt")

LIBRARIES = (
    "numpy", "pandas", "scikit-learn", "lightgbm", "causalml", "econml", "torch", "lightning", "optuna",
)  # fmt: skip


class GitState(NamedTuple):
    """The commit results come from, and whether the code differed from it."""

    commit: str  # short hash of HEAD, or "unknown" outside a git checkout
    dirty: bool  # code changed or added since the commit (always True when the commit is unknown)


@functools.cache
def git_state(root: Path = ROOT) -> GitState:
    """HEAD of the checkout at `root`, dirty when a tracked file under CODE_PATHS is modified or an untracked
    (not ignored) file lies there: a method file not yet committed makes its results dirty."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *CODE_PATHS],
            cwd=root, capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return GitState("unknown", True)
    return GitState(commit.stdout.strip(), bool(changes.stdout.strip()))


@functools.cache
def library_versions() -> str:
    """Installed versions of the libraries results depend on, as JSON."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return json.dumps(versions, sort_keys=True)


@functools.cache
def device() -> str:
    """The GPU torch sees, else the CPU."""
    try:
        import torch

        if torch.cuda.is_available():
            return f"cuda: {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    return f"cpu: {platform.processor() or platform.machine()}"
