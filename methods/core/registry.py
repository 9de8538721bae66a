"""Discovery: every `UpliftMethod` subclass defined in a file `methods/<name>.py` is a method, and so is
one defined in a plug-in file or folder outside the checkout (`--plugins PATH`, or the variable
UPLIFT_BENCH_PLUGINS: paths separated by os.pathsep) or named by an installed package's entry point in the
group `uplift_bench.methods` (`xl = "mypkg.xl:XLearner"`, or a module whose methods are all taken).

methods/ holds plug-ins only; shared code lives in methods/core/, which is not scanned, nor are files whose
name starts with `_`. A file that fails to import is reported by name with its error, and a class that
breaks the contract (docs/contract.md) is refused with one line naming its file and the fix; the other
methods stay usable. Two classes with one name are an error.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType

from methods.core.base import MethodError, UpliftMethod

METHODS_DIR = Path(__file__).resolve().parent.parent
PLUGINS_VARIABLE = "UPLIFT_BENCH_PLUGINS"
ENTRY_POINT_GROUP = "uplift_bench.methods"

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
    origins: dict[str, str] = field(default_factory=dict)  # where each method came from, by name

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


def plugin_paths(given: Sequence[str] = ()) -> tuple[str, ...]:
    """The absolute plug-in paths of `given` (--plugins) then of UPLIFT_BENCH_PLUGINS, each once; a
    MethodError names a path that is neither a .py file nor a folder."""
    named = [(path, "--plugins") for path in given]
    named += [(p, PLUGINS_VARIABLE) for p in os.environ.get(PLUGINS_VARIABLE, "").split(os.pathsep) if p]
    paths = []
    for path, source in named:
        resolved = Path(path).expanduser().resolve()
        if not (resolved.is_dir() or (resolved.is_file() and resolved.suffix == ".py")):
            raise MethodError(f"{source} {path}: no such plug-in .py file or folder")
        paths.append(str(resolved))
    return tuple(dict.fromkeys(paths))


def plugin_module(path: Path) -> ModuleType:
    """Import the plug-in file at `path` under a name of its own (its stem and a hash of its path)."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    name = f"uplift_bench_plugin_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the classes pickle by their module's name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def sources(directory: Path, package: str, plugins: Sequence[str]) -> Iterator[tuple[str, object]]:
    """(where, loader) for every place methods come from: the built-in files, the plug-in files and the
    entry points; `loader()` returns a module or a class."""
    for path in method_files(directory):
        yield (
            f"{directory.name}/{path.name}",
            lambda path=path: importlib.import_module(f"{package}.{path.stem}"),
        )
    for plugin in map(Path, plugins):
        for path in method_files(plugin) if plugin.is_dir() else [plugin]:
            yield str(path), lambda path=path: plugin_module(path)
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        package_name = f" of {entry.dist.name}" if entry.dist is not None else ""
        yield f"entry point {entry.name} = {entry.value}{package_name}", entry.load


def method_classes(loaded: object) -> list[type[UpliftMethod]]:
    """The named methods a source gives: the class itself, or those a module defines."""
    if inspect.isclass(loaded):
        return [loaded] if issubclass(loaded, UpliftMethod) and loaded.name else []
    return [
        cls
        for _, cls in inspect.getmembers(loaded, inspect.isclass)
        if issubclass(cls, UpliftMethod) and cls.__module__ == loaded.__name__ and cls.name
    ]


def discover(
    directory: Path = METHODS_DIR, package: str = "methods", plugins: Sequence[str] | None = None
) -> Registry:
    """Import every method file, plug-in (`plugins`, absolute paths; UPLIFT_BENCH_PLUGINS when None) and
    entry point, and collect their `UpliftMethod` subclasses that keep to the contract."""
    registry = Registry()
    for where, load in sources(directory, package, plugin_paths() if plugins is None else plugins):
        try:
            loaded = load()
        except Exception as error:  # a broken contributor file must not take the others down
            registry.broken[where] = f"{type(error).__name__}: {error}"
            continue
        for cls in method_classes(loaded):
            if cls.name in registry.origins:
                raise MethodError(
                    f"duplicate method name {cls.name!r} in {where} and {registry.origins[cls.name]}; "
                    "names must be unique"
                )
            registry.origins[cls.name] = where
            breaches = contract_breaches(cls)
            if breaches:
                registry.refused[cls.name] = (
                    f"{where}: {cls.__name__} {'; '.join(breaches)} (docs/contract.md)"
                )
            else:
                registry.methods[cls.name] = cls
    return registry
