"""Checking a suite's method parameters and dataset options before any cell runs.

A value must have the type of the default it replaces (an integer for an integer default, a number for a
float default, true or false for a boolean, a string for a string, a list for a tuple; anything for a None
default), and an evident sign: a positive integer default (epochs, counts, sizes) asks for at least 1, a
non-negative numeric default for at least 0. A method may declare other bounds in `param_ranges`, and
the values of a parameter that takes few in `param_choices` (docs/contract.md). Every failure is one line
naming the suite file, the method or dataset and the parameter."""

from __future__ import annotations

import inspect
from typing import Any

from benchmarks.errors import UsageError


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def expected_type(default: Any) -> tuple[str, Any] | None:
    """(the type's name, its test) for values replacing `default`; None when any value goes."""
    if isinstance(default, bool):
        return "true or false", lambda v: isinstance(v, bool)
    if _is_int(default):
        return "an integer", _is_int
    if isinstance(default, float):
        return "a number", _is_number
    if isinstance(default, str):
        return "a string", lambda v: isinstance(v, str)
    if isinstance(default, tuple | list):
        return "a list", lambda v: isinstance(v, tuple | list)
    return None


def bounds(default: Any, declared: tuple[float | None, float | None] | None) -> tuple[Any, Any]:
    """(lowest, highest) allowed (None: unbounded): declared, or the default's evident sign."""
    if declared is not None:
        return declared
    if _is_int(default) and default > 0:
        return 1, None
    if _is_number(default) and default >= 0:
        return 0, None
    return None, None


def check_value(name: str, value: Any, default: Any, declared, where: str) -> None:
    """UsageError naming `where` and parameter `name` if `value` cannot replace `default`."""
    kind = expected_type(default)
    if kind is not None and not kind[1](value):
        raise UsageError(f"{where}, parameter `{name}` must be {kind[0]}, got {value!r}")
    low, high = bounds(default, declared)
    if not _is_number(value):
        return
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"at least {low}" if high is None else f"at most {high}" if low is None else f"{low} to {high}"
        raise UsageError(f"{where}, parameter `{name}` must be {span}, got {value!r}")


def check_method_params(method_class: type, params: dict[str, Any], where: str) -> None:
    """Every parameter known to the method, of its default's type and within its range."""
    defaults = method_class.defaults
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        valid = ", ".join(defaults) or "none"
        raise UsageError(f"{where} has no parameter `{unknown[0]}`; valid: {valid}")
    declared = getattr(method_class, "param_ranges", {})
    choices = getattr(method_class, "param_choices", {})
    for name, value in params.items():
        check_value(name, value, defaults[name], declared.get(name), where)
        if name in choices and value not in choices[name]:
            allowed = ", ".join(map(repr, choices[name]))
            raise UsageError(f"{where}, parameter `{name}` must be one of {allowed}, got {value!r}")


def check_dataset_options(loader, options: dict[str, Any], where: str) -> None:
    """Every option a keyword of the dataset's `load`, of its default's type and evident sign."""
    parameters = inspect.signature(loader).parameters
    accepted = {n: p for n, p in parameters.items() if n != "data_dir" and p.kind is p.POSITIONAL_OR_KEYWORD}
    for name, value in options.items():
        if name not in accepted:
            raise UsageError(f"{where} has no option `{name}`; valid: {', '.join(accepted) or 'none'}")
        default = accepted[name].default
        check_value(name, value, None if default is inspect.Parameter.empty else default, None, where)
