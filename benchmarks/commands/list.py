"""`list`: the datasets, methods and suites the suite knows."""

from __future__ import annotations

import dataclasses
import json

import datasets
from benchmarks import suites
from methods.core.registry import discover


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list datasets, methods and suites")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run_list)


def collect() -> dict:
    """Everything `list` shows, as plain data."""
    registry = discover()
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
            }
            for name, cls in sorted(registry.methods.items())
        ],
        "broken_method_files": registry.broken,
        "suites": [{"name": s.name, "description": s.description} for s in suites.available()],
    }


def run_list(args) -> int:
    listing = collect()
    if args.json:
        print(json.dumps(listing, indent=2))
        return 0
    print("datasets:")
    for d in listing["datasets"]:
        print(f"  {d['name']:<14} {d['description']}")
    print("methods:")
    for m in listing["methods"]:
        caps = m["capabilities"]
        flags = [k for k in ("multi_arm", "multi_outcome", "uses_cost", "needs_gpu") if caps[k]]
        print(f"  {m['name']:<18} {', '.join(flags) or '-'}")
    for file, error in listing["broken_method_files"].items():
        print(f"  (failed to import {file}: {error})")
    print("suites:")
    for s in listing["suites"]:
        print(f"  {s['name']:<18} {s['description']}")
    return 0
