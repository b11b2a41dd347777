"""The behaviour of the rentrée walkthrough is the golden record's (issue 11:
the code moves, the behaviour does not). Every command's output and every
stored event of `scripts/rentree.sh` are compared with
tests/golden/rentree.json.gz, and the HTTP API's answers on the store it
leaves with tests/golden/api.json.gz (issue 12, tests/e2e/api_capture.py).
A change meant to alter behaviour rewrites them (`python scripts/golden.py
write tests/golden/rentree.json.gz --api tests/golden/api.json.gz`) in the
same commit, which says why."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_walkthrough_behaves_as_its_golden_record():
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "golden.py"),
            "check",
            str(ROOT / "tests" / "golden" / "rentree.json.gz"),
            "--api",
            str(ROOT / "tests" / "golden" / "api.json.gz"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "same behaviour (25 command outputs" in proc.stdout
    assert re.search(r"events, \d{3} API answers\)", proc.stdout), proc.stdout
