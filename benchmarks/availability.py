"""Which datasets of a run have their raw files: every missing one found at once, before any cell, each
with where to get it (the dataset module's own message: its official address and sha256)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from contextlib import contextmanager

import datasets
from datasets._files import RawFile, find, search_dirs
from datasets.base import DataError


@contextmanager
def downloads(allowed: bool):
    """Downloads on or off (UPLIFT_DOWNLOAD, docs/datasets.md) for the block."""
    saved = os.environ.get("UPLIFT_DOWNLOAD")
    if not allowed:
        os.environ["UPLIFT_DOWNLOAD"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("UPLIFT_DOWNLOAD", None)
        else:
            os.environ["UPLIFT_DOWNLOAD"] = saved


def missing_data(data_keys: Iterable[str], data_dir: str | None, *, download: bool) -> dict[str, str]:
    """data key -> why its raw file cannot be had (located, or downloaded when `download` and downloads
    are on); data generated in memory is never missing."""
    problems = {}
    with downloads(download):
        for data_key in dict.fromkeys(data_keys):
            name, options, _ = json.loads(data_key)
            try:
                datasets.ensure_file(name, data_dir, **options)
            except DataError as error:
                raw = getattr(datasets.dataset_module(name), "RAW", None)
                absent = raw is not None and "path" not in options and find(raw, data_dir) is None
                problems[data_key] = where_to_get(raw, data_dir) if absent and not download else str(error)
    return problems


def where_to_get(raw: RawFile, data_dir: str | None) -> str:
    """A missing raw file, where it was looked for and where to get it."""
    looked = ", ".join(str(d) for d in search_dirs(data_dir))
    checksum = raw.gz_sha256 or raw.content_sha256 or "not published"
    return (
        f"{raw.name} not found (looked in {looked}): get it from {raw.url} (sha256 {checksum}) and pass its "
        "folder with --data-dir, or let `run` download it (unless UPLIFT_DOWNLOAD=0)"
    )


def missing_message(problems: dict[str, str]) -> str:
    """Every missing file, one per line (several datasets may read one file)."""
    reasons = list(dict.fromkeys(problems.values()))
    lines = "\n".join(f"  {reason}" for reason in reasons)
    return f"{len(reasons)} data file(s) missing:\n{lines}"


def missing_error(problems: dict[str, str]) -> str:
    """Every missing file in one line, for the error that stops a run."""
    reasons = list(dict.fromkeys(problems.values()))
    listed = (
        " ".join(f"({i}) {reason}" for i, reason in enumerate(reasons, 1)) if len(reasons) > 1 else reasons[0]
    )
    skip = "--skip-missing-data runs every cell whose data is present"
    return f"{len(reasons)} data file(s) missing ({skip}): {listed}"
