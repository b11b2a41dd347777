"""The behaviour of the rentrée walkthrough is the golden record's (issue 11:
the code moves, the behaviour does not). Every command's output and every
stored event of `scripts/rentree.sh` are compared with
tests/golden/rentree.json.gz. A change meant to alter behaviour rewrites it
(`python scripts/golden.py write tests/golden/rentree.json.gz`) in the same
commit, which says why."""

from __future__ import annotations

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
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "same behaviour (25 command outputs" in proc.stdout
