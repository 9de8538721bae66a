"""The command line: `python -m benchmarks COMMAND`. Each command lives in benchmarks/commands/."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from benchmarks.errors import USER_ERRORS
from benchmarks.stopping import Stopped
from benchmarks.version import VersionAction

# each command's one-line summary; only the command being run is imported (`run` and `report` load pandas,
# scikit-learn and matplotlib), so that `--help` and `list` start fast
COMMANDS = {
    "list": "list datasets, methods and suites",
    "data": "inspect datasets",
    "run": "run a suite (resumable; finished cells are skipped)",
    "report": "the tables, figures and HTML report of finished runs (paper/ from results/*)",
}
EXIT_USER_ERROR = 2


class StrictParser(argparse.ArgumentParser):
    """A parser that never accepts an abbreviated long option (`--method` for `--methods` is refused);
    its subparsers are StrictParsers too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "allow_abbrev": False})


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser, with the full options of the command named in `argv` (the others by name only)."""
    parser = StrictParser(
        prog="python -m benchmarks",
        description="uplift-bench: reproducible benchmarks for uplift modelling.",
    )
    parser.add_argument("--version", action=VersionAction, help="print the version and git commit, and exit")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for command, summary in COMMANDS.items():
        if command == chosen:
            importlib.import_module(f"benchmarks.commands.{command}").add_parser(subparsers)
        else:
            subparsers.add_parser(command, help=summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user errors print one line and return 2, never a traceback."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser(argv).parse_args(argv)  # imports the command's libraries: seconds for `run`
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below, not at exit
        return status
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # the reader went away (`list | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Stopped as stop:
        print(stop, file=sys.stderr)
        return stop.exit_status
    except KeyboardInterrupt:
        print("interrupted: finished cells are saved; run the same command again to resume", file=sys.stderr)
        return 130
