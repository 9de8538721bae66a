"""What `run` changes in a suite from the command line: which seeds (`--seeds 3`, `3..5`, `0,3`) and
method parameters (`--set METHOD.PARAM=VALUE`, typed by the method's default)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from benchmarks.errors import UsageError
from methods.core.base import MethodError
from methods.core.registry import Registry

TRUE, FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def seed_numbers(text: str) -> list[int]:
    """`N`: the first N seeds (0..N-1, as a suite's `seeds`); `A..B`: seeds A to B inclusive; `A,B,...`:
    those seeds. The argparse type of `--seeds`."""
    try:
        if ".." in text:
            first, last = (int(part) for part in text.split(".."))
            seeds = list(range(first, last + 1))
        elif "," in text:
            seeds = sorted({int(part) for part in text.split(",") if part.strip()})
        else:
            seeds = list(range(int(text)))
    except ValueError:
        seeds = None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(
            f"expected a count N >= 1 (seeds 0..N-1), a range A..B or a list A,B of seeds >= 0, got {text!r}"
        )
    return seeds


def typed(text: str, default: Any, where: str) -> Any:
    """`text` as the type of the parameter's default (JSON for lists, dicts and a None default)."""
    try:
        if isinstance(default, bool):
            if text.lower() not in TRUE | FALSE:
                raise ValueError
            return text.lower() in TRUE
        if isinstance(default, int | float | str):
            return type(default)(text)
        if default is None and text.lower() in ("none", "null"):
            return None
        return json.loads(text)
    except ValueError:
        if default is None:  # a None default takes any text; numbers were read as JSON above
            return text
        kind = "true or false" if isinstance(default, bool) else f"a {type(default).__name__}"
        message = f"--set {where}: expected {kind} like the default {default!r}, got {text!r}"
        raise UsageError(message) from None


def parse_settings(settings: list[str] | None, registry: Registry) -> dict[str, dict[str, Any]]:
    """{method name: {parameter: typed value}} from `--set METHOD.PARAM=VALUE` options; UsageError for a
    malformed option, an unknown or refused method, an unknown parameter or a value of the wrong type."""
    parsed: dict[str, dict[str, Any]] = {}
    for setting in settings or []:
        name_param, equals, text = setting.partition("=")
        method, dot, param = name_param.rpartition(".")
        if not (equals and dot and method and param):
            raise UsageError(f"--set takes METHOD.PARAM=VALUE (e.g. mtmt.lr=0.001), got {setting!r}")
        try:
            defaults = registry.get(method).defaults
        except MethodError as error:
            raise UsageError(f"--set {setting}: {error}") from None
        if param not in defaults:
            raise UsageError(f"--set {setting}: method {method!r} has no parameter {param!r}; valid: "
                             f"{', '.join(defaults)}")  # fmt: skip
        parsed.setdefault(method, {})[param] = typed(text, defaults[param], name_param)
    return parsed


def set_label(label: str, values: dict[str, Any]) -> str:
    """The label of a method entry changed by --set, so that its cells are new ones: `mtmt[lr=0.01]`."""
    return f"{label}[{','.join(f'{k}={v}' for k, v in sorted(values.items()))}]"
