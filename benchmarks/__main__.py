"""Entry point: python -m benchmarks. The first SIGINT or SIGTERM stops any command cleanly from its first
instant (benchmarks/stopping.py), before the libraries load too."""

import sys

from benchmarks.stopping import Stopped, ignore_signals, stop_on_signals

try:
    with stop_on_signals():
        from benchmarks.cli import main

        status = main()
except Stopped as stop:  # while importing; main() reports the stops of its command itself
    print(stop, file=sys.stderr)
    status = stop.exit_status
ignore_signals()  # the command is over: a signal during the interpreter's shutdown changes nothing
sys.exit(status)
