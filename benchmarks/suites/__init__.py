"""Suites: declarative TOML files in this folder (datasets x methods x seeds x settings x tuning).

A suite file is parsed into the typed structure below; an unknown key or a value of the wrong type is a
UsageError naming the key and the file (a typo such as `trails = 4` must not be silently ignored)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.errors import UsageError
from methods.core.deep.devices import STRATEGIES

SUITES_DIR = Path(__file__).resolve().parent
KINDS = ("effect", "cost")


@dataclass(frozen=True)
class DatasetEntry:
    """One [[datasets]] table: a registered dataset, its loader options and an optional row cap."""

    name: str
    label: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    max_rows: int = 0


@dataclass(frozen=True)
class MethodEntry:
    """One [[methods]] table: a registered method, its parameters, whether Optuna tunes it, and `rankings`:
    further result labels scored from the same fit, each with overrides of the method's ranking parameters
    (e.g. `rankings = { causal-forest-relu = { ratio = "relu" } }`)."""

    name: str
    label: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    tune: bool = True
    rankings: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainerEntry:
    """The [trainer] table: the devices the Lightning models train on (processes joined by DDP when
    there are several: one per GPU, or CPU processes) and the strategy ("auto" or "ddp")."""

    devices: int = 1
    strategy: str = "auto"


@dataclass(frozen=True)
class Suite:
    """One suite as its TOML file declares it; its name is the file's stem."""

    name: str
    description: str = ""
    kind: str = "effect"
    seeds: int = 1
    trials: int = 0
    split: tuple[float, ...] = (0.6, 0.2, 0.2)
    include: tuple[str, ...] = ()
    datasets: tuple[DatasetEntry, ...] = ()
    methods: tuple[MethodEntry, ...] = ()
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    trainer: TrainerEntry = TrainerEntry()
    path: str = ""  # the file it was read from, named in error messages


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
    """A suite from any TOML file; UsageError naming the file and key for anything malformed."""
    try:
        spec = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read suite file {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"suite file {path} is not valid TOML: {error}") from None
    return parse(spec, path)


def parse(spec: dict[str, Any], path: Path) -> Suite:
    """The typed suite of a parsed TOML document."""
    check_keys(spec, Suite, "", path, exclude={"name", "path"})
    values = {key: check_type(value, Suite, key, key, path) for key, value in spec.items()}
    if values.get("kind", "effect") not in KINDS:
        raise UsageError(f"suite file {path}: kind must be one of {', '.join(KINDS)}, got {spec['kind']!r}")
    for key in ("seeds", "trials"):
        if values.get(key, 1) < 0:
            raise UsageError(f"suite file {path}: {key} must not be negative, got {values[key]}")
    if "split" in values and (len(values["split"]) != 3 or abs(sum(values["split"]) - 1) > 1e-9):
        raise UsageError(
            f"suite file {path}: split must be three fractions summing to 1, got {spec['split']}"
        )
    for key in ("datasets", "methods"):
        if key in spec and not spec[key]:
            raise UsageError(
                f"suite file {path}: `{key}` is empty; list [[{key}]] tables, or leave the key out"
                + (" for every registered method" if key == "methods" else "")
            )
    for key, entry_class in (("datasets", DatasetEntry), ("methods", MethodEntry)):
        values[key] = tuple(
            entry(t, entry_class, f"{key}[{i}]", path) for i, t in enumerate(spec.get(key, ()))
        )
    if "trainer" in values:
        values["trainer"] = trainer(values["trainer"], path)
    for i, dataset in enumerate(values["datasets"]):
        if dataset.max_rows < 0:
            raise UsageError(
                f"suite file {path}: `datasets[{i}].max_rows` must not be negative (0: every row), "
                f"got {dataset.max_rows}"
            )
    return Suite(name=path.stem, path=str(path), **values)


def trainer(table: dict[str, Any], path: Path) -> TrainerEntry:
    """The [trainer] table as its dataclass."""
    check_keys(table, TrainerEntry, "trainer.", path)
    values = {
        key: check_type(value, TrainerEntry, key, f"trainer.{key}", path) for key, value in table.items()
    }
    chosen = TrainerEntry(**values)
    if chosen.devices < 1:
        raise UsageError(f"suite file {path}: trainer.devices must be at least 1, got {chosen.devices}")
    if chosen.strategy not in STRATEGIES:
        valid = ", ".join(STRATEGIES)
        raise UsageError(
            f"suite file {path}: trainer.strategy must be one of {valid}, got {chosen.strategy!r}"
        )
    return chosen


def entry(table: dict[str, Any], entry_class: type, where: str, path: Path):
    """One [[datasets]] or [[methods]] table as its dataclass."""
    check_keys(table, entry_class, f"{where}.", path)
    if "name" not in table:
        raise UsageError(f"suite file {path}: {where} has no `name`")
    values = {
        key: check_type(value, entry_class, key, f"{where}.{key}", path) for key, value in table.items()
    }
    return entry_class(**values)


def check_keys(table: dict[str, Any], cls: type, prefix: str, path: Path, exclude=frozenset()) -> None:
    known = [f.name for f in dataclasses.fields(cls) if f.name not in exclude]
    unknown = [key for key in table if key not in known]
    if unknown:
        raise UsageError(
            f"suite file {path}: unknown key `{prefix}{unknown[0]}`; valid keys: {', '.join(known)}"
        )


def check_type(value: Any, cls: type, key: str, where: str, path: Path) -> Any:
    """`value` converted to the declared type of field `key`, or UsageError naming it."""
    declared = {f.name: f.type for f in dataclasses.fields(cls)}[key]
    expected, convert = TYPES[declared]
    if not expected(value):
        raise UsageError(f"suite file {path}: `{where}` must be {TYPE_NAMES[declared]}, got {value!r}")
    return convert(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TYPES = {
    "str": (lambda v: isinstance(v, str), str),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), int),
    "bool": (lambda v: isinstance(v, bool), bool),
    "dict[str, Any]": (lambda v: isinstance(v, dict), dict),
    "dict[str, dict[str, Any]]": (
        lambda v: isinstance(v, dict) and all(isinstance(x, dict) for x in v.values()),
        dict,
    ),
    "tuple[float, ...]": (lambda v: isinstance(v, list) and all(map(_is_number, v)), tuple),
    "tuple[str, ...]": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), tuple),
    "tuple[DatasetEntry, ...]": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), list),
    "tuple[MethodEntry, ...]": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), list),
    "TrainerEntry": (lambda v: isinstance(v, dict), dict),
}
TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "bool": "true or false",
    "dict[str, Any]": "a table",
    "dict[str, dict[str, Any]]": "a table of tables",
    "tuple[float, ...]": "a list of numbers",
    "tuple[str, ...]": "a list of suite names",
    "tuple[DatasetEntry, ...]": "an array of [[datasets]] tables",
    "tuple[MethodEntry, ...]": "an array of [[methods]] tables",
    "TrainerEntry": "a [trainer] table",
}
