"""`python -m benchmarks --version`: the project's version (pyproject.toml) and the commit of the code."""

from __future__ import annotations

import argparse
import sys
import tomllib

from benchmarks import environment


def version_text() -> str:
    """e.g. `uplift-bench 0.1.0 (commit f0fcbd9, dirty)`: dirty when code differs from the commit."""
    project = tomllib.loads((environment.ROOT / "pyproject.toml").read_text())["project"]
    state = environment.git_state()
    return f"{project['name']} {project['version']} (commit {state.commit}{', dirty' if state.dirty else ''})"


class VersionAction(argparse.Action):
    """Prints the version and exits; the git state is read only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text(), file=sys.stdout, flush=True)
        parser.exit()
