"""Suites: declarative TOML files in this folder (datasets x methods x seeds x settings x tuning)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.errors import UsageError

SUITES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Suite:
    """One suite as its TOML file declares it."""

    name: str
    description: str
    spec: dict[str, Any] = field(default_factory=dict)


def available() -> list[Suite]:
    """Every suite file in this folder, by name."""
    return [load(path.stem) for path in sorted(SUITES_DIR.glob("*.toml"))]


def load(name: str) -> Suite:
    """The suite called `name`; UsageError listing the valid names otherwise."""
    path = SUITES_DIR / f"{name}.toml"
    if not path.is_file():
        valid = ", ".join(p.stem for p in sorted(SUITES_DIR.glob("*.toml")))
        raise UsageError(f"unknown suite {name!r}; valid names: {valid}")
    return load_file(path)


def load_file(path: Path) -> Suite:
    """A suite from any TOML file; its name is the file's stem."""
    try:
        spec = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"suite file {path} is not valid TOML: {error}") from None
    return Suite(name=path.stem, description=spec.get("description", ""), spec=spec)
