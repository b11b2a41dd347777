"""When an inbox item is ready (issue 4).

An item is a top-level file (zip, tgz, xml) or a directory of AAF part files.
It is *ready* when it has not changed (sizes, mtimes, names) for the quiet
period, or when a completion marker ``<name>.done`` / ``<name>.ready`` newer
than its content exists — and, for an AAF part set, no part is missing below
the highest one (else it waits for the quiet period, then the ingest holds it
as incomplete, domain-rules §11). Nothing waits on a fixed sleep: the watcher
compares what it sees from one look to the next.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from adapters.aaf.names import NAME_RE
from events.clock import Clock

PROCESSED, REJECTED = "processed", "rejected"
MARKERS = (".done", ".ready")
# Names a writer uses while a file is incomplete (scp, WinSCP, browsers…).
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload")
MAX_BACKOFF = 300.0

# (relative name, size, mtime in ns) of each file of an item, in order.
Signature = tuple[tuple[str, int, int], ...]


@dataclass
class _Seen:
    seq: int
    signature: Signature
    changed_at: float
    retry_at: float = 0.0
    failures: int = 0


def signature(path: Path) -> Signature:
    """What changes while an item is being written: names, sizes, mtimes. A
    link is not followed (lstat), a FIFO not opened (adapters/items.py)."""
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        return (("", st.st_size, st.st_mtime_ns),)
    out: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                fst = os.stat(full)
            except FileNotFoundError:
                continue
            out.append((os.path.relpath(full, path), fst.st_size, fst.st_mtime_ns))
    return tuple(out)


def missing_parts(names: Iterable[str]) -> dict[str, list[int]]:
    """AAF part numbers absent below the highest of each category, by name only
    (cheap: the ingest reads the content; formats §1)."""
    parts: dict[str, set[int]] = {}
    for name in names:
        m = NAME_RE.match(name.rsplit("/", 1)[-1])
        if m:
            parts.setdefault(m.group("category"), set()).add(int(m.group("part")))
    return {
        cat: gaps
        for cat, numbers in parts.items()
        if (gaps := [n for n in range(max(numbers) + 1) if n not in numbers])
    }


class Watcher:
    """Which items of the inbox are ready, in arrival order.

    Arrival order is the order in which the watcher first saw each item
    (items already there at start: by modification time, then name)."""

    def __init__(self, root: Path, quiet_seconds: float, clock: Clock):
        self.root = Path(root)
        self.quiet = quiet_seconds
        self.clock = clock  # its monotonic reading: the quiet period and the retries
        self._seen: dict[str, _Seen] = {}
        self._seq = 0

    def _entries(self) -> dict[str, Path]:
        out: dict[str, Path] = {}
        try:
            it = list(os.scandir(self.root))
        except FileNotFoundError:
            return out
        for entry in it:
            name = entry.name
            if (
                name.startswith(".")
                or name in (PROCESSED, REJECTED)
                or name.endswith(MARKERS)
                or name.lower().endswith(PARTIAL_SUFFIXES)
            ):
                continue
            out[name] = Path(entry.path)
        return out

    def _marker(self, name: str) -> Path | None:
        for suffix in MARKERS:
            marker = self.root / f"{name}{suffix}"
            if marker.exists():
                return marker
        return None

    def markers(self, name: str) -> list[Path]:
        return [self.root / f"{name}{s}" for s in MARKERS if (self.root / f"{name}{s}").exists()]

    def poll(self) -> list[Path]:
        """Look at the inbox once; the ready items in arrival order."""
        now = self.clock.monotonic()
        entries = self._entries()
        for name in set(self._seen) - set(entries):
            del self._seen[name]  # moved away or deleted by someone
        fresh = []
        for name, path in entries.items():
            try:
                sig = signature(path)
                mtime = path.stat().st_mtime_ns
            except OSError:
                continue  # vanished between the listing and the look
            seen = self._seen.get(name)
            if seen is None:
                fresh.append((mtime, name, sig))
            elif sig != seen.signature:
                seen.signature, seen.changed_at = sig, now
        for _, name, sig in sorted(fresh):
            self._seq += 1
            self._seen[name] = _Seen(self._seq, sig, now)
        ready = []
        for name, seen in sorted(self._seen.items(), key=lambda kv: kv[1].seq):
            if self._ready(name, seen, now):
                ready.append(entries[name])
        return ready

    def _ready(self, name: str, seen: _Seen, now: float) -> bool:
        if seen.retry_at > now or not seen.signature:  # waiting to retry, or an empty directory
            return False
        path = self.root / name
        marker = self._marker(name)
        if marker is not None:
            try:
                marked = marker.stat().st_mtime_ns >= max(m for _, _, m in seen.signature)
            except OSError:
                marked = False
            if marked and not (path.is_dir() and missing_parts(n for n, _, _ in seen.signature)):
                return True
        return now - seen.changed_at >= self.quiet

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)

    def later(self, name: str, cap: float = MAX_BACKOFF) -> float:
        """Try this item again after a growing delay, at most ``cap``; returns the delay."""
        seen = self._seen.get(name)
        if seen is None:
            return 0.0
        seen.failures += 1
        delay = min(cap, MAX_BACKOFF, max(1.0, self.quiet) * 2.0 ** (seen.failures - 1))
        seen.retry_at = self.clock.monotonic() + delay
        return delay
