"""The composition root: the one place that builds the event log, the read
model, the staging area and the clock from the configuration."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from events.application import DirectoryLog
from projections.db import Database, StoreURL
from projections.directory import DirectoryProjection
from projections.imports import ImportsProjection
from projections.policy import Policy
from projections.siecle import SiecleProjection
from daemon.staging import Staging
from daemon.scan import default_workers


class TimeWentBackwards(Exception):
    """A --now earlier than the last recorded effective time (domain-rules §11)."""


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Context:
    log: DirectoryLog
    db: Database
    projection: DirectoryProjection
    staging: Staging
    policy: Policy
    clock: Callable[[], datetime] = system_clock
    progress: Callable[[str, int, int], None] | None = field(default=None)
    # The timetable-imports read model (projections/imports.py), built by build().
    imports: ImportsProjection | None = field(default=None)
    # Processes reading the parts of a large delivery (daemon/scan.py).
    workers: int = field(default_factory=default_workers)
    # The SIECLE read model (projections/siecle.py), built by build().
    siecle: SiecleProjection | None = field(default=None)

    def effective_now(self, now: datetime | None) -> datetime:
        """The effective time of a command: ``--now`` or the clock; never before
        the last recorded effective time."""
        at = (now or self.clock()).astimezone(timezone.utc)
        last = self.log.last_effective_time()
        if last is not None and at < last:
            raise TimeWentBackwards(
                f"--now {at.isoformat()} is before the last recorded effective time {last.isoformat()}")
        return at

    def close(self) -> None:
        self.db.close()
        self.log.close()


def build(store_url: str, policy: Policy | None = None, clock: Callable[[], datetime] = system_clock) -> Context:
    url = StoreURL(store_url)
    db = Database(url)
    with db.schema_lock():  # the event store's tables and the read models' are created here
        log = DirectoryLog(env=url.eventsourcing_env())
        return Context(log=log, db=db, projection=DirectoryProjection(db), staging=Staging(db),
                       policy=policy or Policy(), clock=clock, imports=ImportsProjection(db),
                       siecle=SiecleProjection(db))
