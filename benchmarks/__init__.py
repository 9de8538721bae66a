"""uplift-bench: the harness (CLI, suites, runner, tuning, metrics, results store, report)."""
