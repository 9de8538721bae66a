"""Discovery: every `UpliftMethod` subclass defined in a file `methods/<name>.py` is a method.

methods/ holds plug-ins only; shared code lives in methods/core/, which is not scanned, nor are files whose
name starts with `_`. A file that fails to import is reported by name with its error, and a class that
breaks the contract (docs/contract.md) is refused with one line naming its file and the fix; the other
methods stay usable. Two classes with one name are an error.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

from methods.core.base import MethodError, UpliftMethod

METHODS_DIR = Path(__file__).resolve().parent.parent

# what the base class owns, and what a plug-in implements instead
OWNED_BY_BASE = {
    "__init__": "declare parameters in `defaults` (the base class's __init__ stores them)",
    "fit": "implement `_fit(self, X, treatment, y, *, cost, propensity, valid, seed)`",
    "predict": "implement `_predict(self, X)` returning effects (n, K, targets)",
}


@dataclass
class Registry:
    """The discovered methods by name, the files that failed to import with their errors, and the refused
    classes by method name with the line saying why."""

    methods: dict[str, type[UpliftMethod]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> type[UpliftMethod]:
        """The class called `name`; MethodError saying why it was refused, or listing the valid names."""
        if name in self.refused:
            raise MethodError(self.refused[name])
        if name not in self.methods:
            hint = (
                f" ({len(self.broken)} file(s) failed to import: {', '.join(self.broken)})"
                if self.broken
                else ""
            )
            raise MethodError(
                f"unknown method {name!r}; valid names: {', '.join(sorted(self.methods))}{hint}"
            )
        return self.methods[name]


def method_files(directory: Path = METHODS_DIR) -> list[Path]:
    """The files of `directory` that may define methods, sorted by name."""
    return sorted(p for p in directory.glob("*.py") if not p.stem.startswith("_"))


def contract_breaches(cls: type[UpliftMethod]) -> list[str]:
    """What `cls` does against the contract, each with its fix; empty when it keeps to it."""
    breaches = []
    for attribute, fix in OWNED_BY_BASE.items():
        if getattr(cls, attribute) is not getattr(UpliftMethod, attribute):
            breaches.append(f"overrides {attribute}: {fix} instead")
    if not isinstance(inspect.getattr_static(cls, "search_space"), classmethod):
        breaches.append("search_space is not a classmethod: decorate it with @classmethod")
    unknown = sorted(set(cls.fast_params) - set(cls.defaults))
    if unknown:
        breaches.append(f"fast_params names {', '.join(unknown)}, which `defaults` lacks: add it there")
    return breaches


def discover(directory: Path = METHODS_DIR, package: str = "methods") -> Registry:
    """Import every method file and collect its `UpliftMethod` subclasses that keep to the contract."""
    registry = Registry()
    origins: dict[str, str] = {}
    for path in method_files(directory):
        module_name = f"{package}.{path.stem}"
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # a broken contributor file must not take the others down
            registry.broken[path.name] = f"{type(error).__name__}: {error}"
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, UpliftMethod) or cls.__module__ != module_name or not cls.name:
                continue
            if cls.name in origins:
                raise MethodError(
                    f"duplicate method name {cls.name!r} in {path.name} and {origins[cls.name]}; "
                    "names must be unique"
                )
            origins[cls.name] = path.name
            breaches = contract_breaches(cls)
            if breaches:
                where = f"{directory.name}/{path.name}: {cls.__name__}"
                registry.refused[cls.name] = f"{where} {'; '.join(breaches)} (docs/contract.md)"
            else:
                registry.methods[cls.name] = cls
    return registry
