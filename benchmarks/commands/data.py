"""`data info NAME`: what a dataset holds, after locating and verifying its raw file; `data verify NAME`:
re-hash the raw file in full against the published checksum."""

from __future__ import annotations

import json

import datasets


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("data", help="inspect datasets")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    info = actions.add_parser("info", help="rows, features, arms, outcomes, cost and source of a dataset")
    info.add_argument("name", help="dataset name (see `list`)")
    info.add_argument("--data-dir", help="folder holding the raw files")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=run_info)
    verify = actions.add_parser("verify", help="re-hash a dataset's raw file in full and check its sha256")
    verify.add_argument("name", help="dataset name (see `list`)")
    verify.add_argument("--data-dir", help="folder holding the raw files")
    verify.add_argument("--path", help="the raw file itself (default: located as `run` would)")
    verify.set_defaults(handler=run_verify)


def run_info(args) -> int:
    summary = datasets.load(args.name, data_dir=args.data_dir).summary()
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    print(f"{summary['name']}: {summary['rows']:,} rows, {summary['features']} features")
    for arm in summary["arms"]:
        print(f"  arm {arm['name']}: {arm['rows']:,} rows")
    for outcome in summary["outcomes"]:
        print(f"  outcome {outcome['name']}: mean {outcome['mean']:.6g}")
    print(f"  cost: {', '.join(summary['cost']) if summary['cost'] else 'none'}")
    print(f"  source: {summary['source']}")
    return 0


def run_verify(args) -> int:
    source = datasets.verify_file(args.name, data_dir=args.data_dir, path=args.path)
    verdict = {
        True: "matches the published sha256",
        None: "no published sha256 for this file: not verified",
    }[source["checksum_ok"]]
    print(f"{args.name}: {source['file']}\n  sha256 {source['sha256']}: {verdict}")
    return 0
