"""A SQLite store copied whole, event log and read models, for the preview
of an import (daemon/preview.py): SQLite's online backup, read from a
read-only connection, so the store is never written and a copy taken while
another process writes is still one consistent state."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def copy_sqlite(source: str | Path, target: str | Path, pages: int = 4096) -> None:
    """Copy the SQLite store at ``source`` into a new file ``target``."""
    uri = f"{Path(source).resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as original, closing(sqlite3.connect(str(target))) as copy:
        original.backup(copy, pages=pages)
