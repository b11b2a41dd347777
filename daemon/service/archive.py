"""The inbox's archive (``processed/``, ``rejected/``: each item as it came,
with its report and, for a timetable, its establishment's bilan beside it)
expired when a person is erased (issue 17).

Which archived files name an erased person cannot be told once their keys
are destroyed (their names are gone from the store), and reading every
archived file for their jointure at each erasure would cost the whole
archive each time. But an account is removed because its person left the
sources: every delivery and export that named them was received before
their removal. So when an erasure is folded, every item archived before
the latest removal an erasure ran from (``erased_before``,
projections/directory_erasure.py) is expired, with its reports: a cut-off
date, one listing of the archive when it moves, faithful to every erased
person. What it drops of persons not erased is older than a removal that
the retention period has passed since: the store keeps their data, the
archive has no need to.

Items are dated by the stamp ``file_away`` puts at the front of their name
(daemon/service/outcome.py), from the service's clock."""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timezone
from pathlib import Path

from daemon.observability.logs import event
from daemon.service.watcher import PROCESSED, REJECTED

log = logging.getLogger("entsync.inbox")

STAMP = "%Y%m%dT%H%M%SZ"


def filed_at(name: str) -> datetime | None:
    """When an archived item (or its report) was filed; None for a name without the stamp."""
    try:
        return datetime.strptime(name.lstrip(".")[: len("20260101T000000Z")], STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def expire(root: Path, before: datetime) -> int:
    """Delete the archived items filed before ``before`` (a file, or an AAF
    delivery's directory of parts) and their reports; how many."""
    n = 0
    for sub in (PROCESSED, REJECTED):
        folder = root / sub
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            at = filed_at(path.name)
            if at is None or at >= before:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            n += 1
    if n:
        event(log, "inbox.archive_expired", items=n, before=before.isoformat())
    return n
