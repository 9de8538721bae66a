"""The environment every result row records: commit, library versions, device."""

from __future__ import annotations

import functools
import json
import platform
import subprocess
from importlib import metadata

LIBRARIES = (
    "numpy", "pandas", "scikit-learn", "lightgbm", "causalml", "econml", "torch", "lightning", "optuna",
)  # fmt: skip


@functools.cache
def git_commit() -> str:
    """The checkout's commit (with "+dirty" for uncommitted changes), or "unknown"."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


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
