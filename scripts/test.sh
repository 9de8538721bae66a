#!/usr/bin/env bash
# Install the project and its test tools into .venv, lint, then run the fast tests and the slow ones.
set -euo pipefail
cd "$(dirname "$0")/.."
python3.11 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q
# slow and real-data tests; pytest exits 5 when the selection is empty
.venv/bin/python -m pytest -q -m slow || [ $? -eq 5 ]
