"""Datasets: one module each, every one producing an `UpliftData` (see datasets/base.py).

Each dataset module defines `DESCRIPTION` (one line) and `load(data_dir=None, **options) -> UpliftData`.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

from datasets.base import DataError, UpliftData

DATASET_MODULES = ("hillstrom", "synthetic", "covertype", "census1990", "criteo")

__all__ = ["DATASET_MODULES", "DataError", "UpliftData", "dataset_module", "load", "names"]


def names() -> list[str]:
    """Every dataset name the suite knows."""
    return list(DATASET_MODULES)


def dataset_module(name: str) -> ModuleType:
    """The module behind dataset `name`; DataError listing the valid names if there is none."""
    if name not in DATASET_MODULES:
        raise DataError(f"unknown dataset {name!r}; valid names: {', '.join(DATASET_MODULES)}")
    return importlib.import_module(f"datasets.{name}")


def load(name: str, data_dir: str | None = None, **options) -> UpliftData:
    """Load dataset `name`, locating its raw file as DESIGN.md describes."""
    loader = dataset_module(name).load
    try:
        inspect.signature(loader).bind(data_dir=data_dir, **options)
    except TypeError as error:
        raise DataError(f"dataset {name!r}: bad options {sorted(options)} ({error})") from None
    return loader(data_dir=data_dir, **options)
