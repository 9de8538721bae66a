"""Layering without back-arrows (docs/design.md): metrics import nothing of ours, methods and datasets never
import the harness, and a plug-in never imports another plug-in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "metrics": {"benchmarks", "methods", "datasets"},
    "methods": {"benchmarks", "datasets"},
    "datasets": {"benchmarks", "methods"},
}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_above_it(package):
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN[package]
    }
    assert not offenders, sorted(offenders)


def test_a_plugin_imports_no_other_plugin():
    plugins = {path.stem for path in (ROOT / "methods").glob("*.py") if not path.stem.startswith("_")}
    offenders = {
        f"{path.name}: {name}"
        for path in (ROOT / "methods").glob("*.py")
        for name in imported_modules(path)
        if name.split(".")[:2][-1] in plugins and name.startswith("methods.")
    }
    assert not offenders, sorted(offenders)


def test_the_plugin_folder_holds_plugins_only():
    helpers = [path.name for path in (ROOT / "methods").glob("_*.py") if path.name != "__init__.py"]
    assert helpers == [], "shared code belongs in methods/core/"
