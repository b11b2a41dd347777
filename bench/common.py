"""What the benchmarks that run on a generated académie share: their
arguments (students, seed, store, work directory), the work directory
(temporary unless given, removed at the end) and the académie generated
there once."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.cli import run as generate


def arguments(students: int, description: str | None = None) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--students", type=int, default=students)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", help="default: a SQLite file in the work directory (a new, empty store)")
    ap.add_argument("--workdir", help="default: a temporary directory, removed at the end")
    return ap


@contextmanager
def workdir(args: argparse.Namespace, prefix: str) -> Iterator[Path]:
    """``--workdir``, kept; or a temporary directory, removed at the end."""
    work = Path(args.workdir or tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def academie(work: Path, args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The académie generated under ``work`` (once: a kept work directory
    reuses it) and its manifest."""
    acad = work / "academie"
    if not (acad / "manifest.json").exists():
        assert generate([str(acad), "--students", str(args.students), "--seed", str(args.seed)]) == 0
    return acad, json.loads((acad / "manifest.json").read_text())


def store_url(work: Path, args: argparse.Namespace) -> str:
    return str(args.store or f"sqlite:///{work / 'entsync.db'}")
