"""Fail when line or branch coverage of the measured code falls below its floor.

coverage.py's own `--fail-under` mixes lines and branches into one figure; the gate holds each
to its own floor: `python tests/coverage_gate.py --lines 100 --branches 95` after
`coverage run -m pytest` (what `make test` does).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=float, required=True, help="minimum line coverage, %%")
    parser.add_argument("--branches", type=float, required=True, help="minimum branch coverage")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "coverage.json"
        subprocess.run(
            [sys.executable, "-m", "coverage", "json", "-q", "-o", str(report)], check=True
        )
        totals = json.loads(report.read_text())["totals"]
    lines = 100 * totals["covered_lines"] / max(totals["num_statements"], 1)
    branches = 100 * totals["covered_branches"] / max(totals["num_branches"], 1)
    print(f"coverage: lines {lines:.2f}% (floor {options.lines}%), ", end="")
    print(f"branches {branches:.2f}% (floor {options.branches}%)")
    if lines < options.lines or branches < options.branches:
        subprocess.run([sys.executable, "-m", "coverage", "report"], check=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
