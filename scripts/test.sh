#!/usr/bin/env bash
# Install the project and its test tools into .venv, lint, then run the fast tests and the slow ones.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages for optional tests (each skipped where its package is absent): headless Chromium for
# the HTML report's browser test, PostgreSQL's server for the shared Optuna study test
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
  || echo "chromium could not be installed; the HTML report's browser test will be skipped" >&2
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
  || echo "postgresql could not be installed; the shared Optuna study test will be skipped" >&2
python3.11 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q
# slow and real-data tests; pytest exits 5 when the selection is empty
.venv/bin/python -m pytest -q -m 'slow and not reproduction' || [ $? -eq 5 ]
