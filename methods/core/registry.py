"""Discovery: every `UpliftMethod` subclass defined in a file `methods/<name>.py` is a method.

methods/ holds plug-ins only; shared code lives in methods/core/, which is not scanned, nor are files whose
name starts with `_`. A file that fails to import
is reported by name with its error; the other methods stay usable. Two classes with one name are an error.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

from methods.core.base import MethodError, UpliftMethod

METHODS_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Registry:
    """The discovered methods by name, and the files that failed to import with their errors."""

    methods: dict[str, type[UpliftMethod]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> type[UpliftMethod]:
        """The class called `name`; MethodError listing the valid names otherwise."""
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


def discover(directory: Path = METHODS_DIR, package: str = "methods") -> Registry:
    """Import every method file and collect its `UpliftMethod` subclasses."""
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
            if cls.name in registry.methods:
                raise MethodError(
                    f"duplicate method name {cls.name!r} in {path.name} and {origins[cls.name]}; "
                    "names must be unique"
                )
            registry.methods[cls.name] = cls
            origins[cls.name] = path.name
    return registry
