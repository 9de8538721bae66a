"""Rewrite the README's claims scorecard (between `<!-- claims: begin -->` and `<!-- claims: end -->`)
from the committed reference runs, as `report` computes it; run after changing results/ or claims.toml
(tests/test_claims.py fails until the README's table equals the generated one)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import find_results, load_results  # noqa: E402
from benchmarks.report.claims import evaluate, scorecard_markdown  # noqa: E402

BLOCK = re.compile(r"(<!-- claims: begin -->\n).*?(<!-- claims: end -->)", re.S)


def main() -> None:
    readme = ROOT / "README.md"
    table = scorecard_markdown(evaluate(load_results(find_results([str(ROOT / "results" / "*")]))))
    text, found = BLOCK.subn(lambda m: m.group(1) + table + m.group(2), readme.read_text())
    if not found:
        sys.exit("README.md has no <!-- claims: begin --> ... <!-- claims: end --> block")
    readme.write_text(text)
    print(f"README.md: scorecard of {table.count(chr(10)) - 2} claims written")


if __name__ == "__main__":
    main()
