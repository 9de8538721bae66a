"""Datasets: one module each, discovered by file name, every one producing an `UpliftData` (datasets/base.py).

A dataset module `datasets/NAME.py` defines `DESCRIPTION` (one line) and `load(data_dir=None, **options)
-> UpliftData`. One that reads a raw file also defines `RAW` (a `_files.RawFile`) and `raw_file(data_dir=None,
path=None, ...)`, which locates that file or downloads and verifies it. `TEST_OPTIONS` (optional) are the
options that build a small instance for the contract test; a `path` there is relative to the repository.
Files named `_*.py` and base.py are helpers, not datasets (docs/datasets.md, "Adding a dataset").
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

from datasets.base import DataError, UpliftData

HELPERS = ("base",)

__all__ = ["DataError", "UpliftData", "dataset_module", "ensure_file", "load", "names", "verify_file"]


@functools.cache
def _discover() -> dict[str, ModuleType]:
    """Every dataset module in datasets/, by name; DataError naming a module that breaks the contract."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in HELPERS or info.ispkg:
            continue
        module = importlib.import_module(f"datasets.{info.name}")
        described = isinstance(getattr(module, "DESCRIPTION", None), str)
        if not described or not callable(getattr(module, "load", None)):
            raise DataError(
                f"datasets/{info.name}.py is not a dataset module: define DESCRIPTION (one line) and "
                "load(data_dir=None, **options), or rename it to start with '_' if it is a helper"
            )
        found[info.name] = module
    return found


def names() -> list[str]:
    """Every dataset name the suite knows (the modules found in datasets/)."""
    return list(_discover())


def dataset_module(name: str) -> ModuleType:
    """The module behind dataset `name`; DataError listing the valid names if there is none."""
    modules = _discover()
    if name not in modules:
        raise DataError(f"unknown dataset {name!r}; valid names: {', '.join(modules)}")
    return modules[name]


def load(name: str, data_dir: str | None = None, **options) -> UpliftData:
    """Load dataset `name`, locating its raw file as docs/datasets.md describes."""
    loader = dataset_module(name).load
    try:
        inspect.signature(loader).bind(data_dir=data_dir, **options)
    except TypeError as error:
        raise DataError(f"dataset {name!r}: bad options {sorted(options)} ({error})") from None
    return loader(data_dir=data_dir, **options)


def ensure_file(name: str, data_dir: str | None = None, **options) -> Path | None:
    """The raw file that `load(name, data_dir, **options)` reads, located or downloaded and verified now
    (call it once in the main process before starting workers); None for data generated in memory."""
    finder = getattr(dataset_module(name), "raw_file", None)
    if finder is None:
        return None
    accepted = inspect.signature(finder).parameters
    return finder(data_dir=data_dir, **{k: v for k, v in options.items() if k in accepted})


def verify_file(name: str, data_dir: str | None = None, path: str | None = None) -> dict:
    """Re-hash dataset `name`'s raw file in full (whatever the checksum record says) and compare it with the
    published sha256; the `source` record, DataError on a mismatch or for a dataset without a raw file."""
    from datasets._files import verify

    module = dataset_module(name)
    if getattr(module, "RAW", None) is None:
        raise DataError(f"dataset {name!r} is generated in memory: it has no raw file to verify")
    file = module.raw_file(data_dir=data_dir, path=path)
    return verify(module.RAW, Path(file), known=getattr(module, "FIXTURES", None), rehash=True)
