"""`list`: the datasets, methods (with every capability) and suites the suite knows."""

from __future__ import annotations

import dataclasses
import json
import os
import sys

import datasets
from benchmarks import suites
from methods.core.registry import discover, plugin_paths

# every Capabilities field as a column of `list`: (header, text for each value); `native` is shown as is
CAPABILITY_COLUMNS = {
    "multi_arm": ("arms", {True: "several", False: "one"}),
    "multi_outcome": ("outcomes", {True: "several", False: "one"}),
    "binary_outcomes_only": ("binary only", {True: "yes", False: "-"}),
    "needs_cost": ("needs cost", {True: "yes", False: "-"}),
    "uses_cost": ("uses cost", {True: "yes", False: "as outcome"}),
    "predicts_effects": ("predicts", {True: "effects", False: "ranking"}),
    "native": ("how", None),
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list datasets, methods and suites")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_plugins_option(parser)
    parser.set_defaults(handler=run_list)


def add_plugins_option(parser) -> None:
    """`--plugins PATH` (repeatable), shared by `list` and `run`."""
    parser.add_argument(
        "--plugins",
        action="append",
        default=[],
        metavar="PATH",
        help="a plug-in .py file or a folder of them outside the checkout (repeatable; also the "
        "UPLIFT_BENCH_PLUGINS variable, paths separated by os.pathsep)",
    )


def collect(plugins: list[str] | tuple[str, ...] = ()) -> dict:
    """Everything `list` shows, as plain data."""
    registry = discover(plugins=plugin_paths(plugins))
    return {
        "datasets": [
            {"name": name, "description": datasets.dataset_module(name).DESCRIPTION}
            for name in datasets.names()
        ],
        "methods": [
            {
                "name": name,
                "capabilities": dataclasses.asdict(cls.capabilities),
                "references": list(cls.references),
                "file": cls.__module__.split(".")[-1] + ".py",
                "source": registry.origins[name],
            }
            for name, cls in sorted(registry.methods.items())
        ],
        "broken_method_files": registry.broken,
        "refused_methods": registry.refused,
        "suites": [{"name": s.name, "description": s.description} for s in suites.available()],
    }


def aligned(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """The rows as lines whose columns line up, however long an entry (the last column is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        indent + "  ".join([cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]])
        for row in rows
    ]


def capability_text(value, texts: dict | None) -> str:
    """A capability as `list` shows it: the column's word for a flag, the text itself (or -) otherwise."""
    return texts[value] if texts else value or "-"


def method_rows(methods: list[dict]) -> list[list[str]]:
    """A header and one row per method: its name, every capability and where it came from."""
    rows = [["name"] + [column for column, _ in CAPABILITY_COLUMNS.values()] + ["from"]]
    for m in methods:
        caps = m["capabilities"]
        capabilities = [capability_text(caps[key], t) for key, (_, t) in CAPABILITY_COLUMNS.items()]
        rows.append([m["name"], *capabilities, m["source"]])
    return rows


def listing_lines(listing: dict) -> list[str]:
    """The listing as the text `list` prints."""
    lines = ["datasets:"]
    lines += aligned([[d["name"], d["description"]] for d in listing["datasets"]])
    lines.append("methods:")
    lines += aligned(method_rows(listing["methods"]))
    lines += [f"  refused {line}" for line in listing["refused_methods"].values()]
    lines += [f"  failed to import {file}: {error}" for file, error in listing["broken_method_files"].items()]
    lines.append("suites:")
    lines += aligned([[s["name"], s["description"]] for s in listing["suites"]])
    return lines


def run_list(args) -> int:
    listing = collect(args.plugins)
    text = json.dumps(listing, indent=2) if args.json else "\n".join(listing_lines(listing))
    try:
        print(text, flush=True)
    except BrokenPipeError:  # the reader stopped early (`list | head`): what it read is what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return 0
