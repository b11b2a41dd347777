"""``entsync ingest PATH --dry-run``: what a file would change, with
nothing recorded (issue 15).

The preview never writes to the real store: it runs the real dispatch
(events/usecases/intake.py: the same use cases as ``entsync ingest``) on a
copy and reads the difference off the copy's log. Exact by construction,
the same code path; what differs is how the copy is made:

- a SQLite store is copied whole with SQLite's backup from a read-only
  connection (projections/store_copy.py) into a temporary file: the log and
  the read models as they are, nothing to rebuild, about the cost of
  copying the file;
- a PostgreSQL store's event log is opened read-only (eventsourcing's
  recorder, its table never created; no read model, staging area or SQL of
  ours) and every stored event, same topics and order, is copied into the
  in-memory twin (``bootstrap.build("memory:")``, the same policy and
  clock), whose read models are then rebuilt: the whole log in memory and a
  rebuild (bench/preview.py measures both). A template copy of the database
  would need the store to have no other session, which a running service
  always has.

The store declaration is a fact of the log: a simulation stays one in the
copy, and the copy is brought up to this release as the real command would
be first (events/usecases/upgrade.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from daemon import bootstrap
from daemon.bootstrap import Context
from events.application import DirectoryLog
from events.clock import Clock
from events.policy import Policy
from events.store import STORE_ID
from events.usecases import upgrade
from events.usecases.formats import NotImportable
from events.usecases.intake import Arrival, dispatch
from events.usecases.result import Result
from projections import delivery_queries
from projections.keyring import KeyRow, SqlKeyRing, read_keys
from projections.store_copy import copy_sqlite
from projections.store_url import StoreURL, store_exists

COPY_BATCH = 5000

# What each new fact is, for the operator: by topic (stored topics never
# change, so this table does not either). A topic not listed is counted under
# ``other`` by its name.
SECTIONS: dict[str, str] = {
    **dict.fromkeys(
        (
            "entsync:Account.Appeared.v1",
            "entsync:Account.Reappeared.v1",
            "entsync:SiecleStudent.Enrolled.v1",
            "entsync:SiecleStudent.Reenrolled.v1",
            "entsync:SiecleGuardian.Appeared.v1",
            "entsync:SiecleGuardian.Reappeared.v1",
        ),
        "arrivals",
    ),
    **dict.fromkeys(
        (
            "entsync:Account.Departed.v1",
            "entsync:Account.Withdrawn.v1",
            "entsync:Account.LeftSource.v1",
            "entsync:Account.Deactivated.v1",
            "entsync:SiecleStudent.Unenrolled.v1",
            "entsync:SiecleGuardian.Withdrawn.v1",
        ),
        "departures",
    ),
    **dict.fromkeys(
        (
            "entsync:Account.Changed.v1",
            "entsync:SiecleStudent.Changed.v1",
            "entsync:SiecleStudent.LeavingDateSet.v1",
            "entsync:SiecleStudent.LeavingDateCleared.v1",
            "entsync:SiecleStudent.GuardianLinked.v1",
            "entsync:SiecleStudent.GuardianLinkChanged.v1",
            "entsync:SiecleStudent.GuardianUnlinked.v1",
            "entsync:SiecleGuardian.Changed.v1",
        ),
        "changes",
    ),
    **dict.fromkeys(
        (
            "entsync:Delivery.Held.v1",
            "entsync:Delivery.Waiting.v1",
            "entsync:Delivery.Rejected.v1",
            "entsync:SiecleImport.Held.v1",
            "entsync:SiecleImport.Rejected.v1",
            "entsync:TimetableImport.AwaitingValidation.v1",
            "entsync:TimetableImport.Rejected.v1",
        ),
        "holds",
    ),
    **dict.fromkeys(
        (
            "entsync:Account.OverwriteSuspected.v1",
            "entsync:SiecleStudent.LinkUnresolved.v1",
            "entsync:SiecleGuardian.LinkUnresolved.v1",
        ),
        "anomalies",
    ),
}
LISTED = ("arrivals", "departures", "changes", "holds", "anomalies")
# What an entry shows of its fact besides its subject: where it came from and
# why, never a name or a birth date (no attribute values).
_WHERE = ("reason", "uai", "delivery_id", "import_id", "file", "line", "state", "removal_due")


@dataclass
class Preview:
    """What the dispatch answered on the twin, and the facts it would record."""

    result: Result | NotImportable
    facts: int = 0  # events the real import would record
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {s: [] for s in LISTED})
    other: dict[str, int] = field(default_factory=dict)  # the other facts, counted by name
    brake: dict[str, Any] | None = None  # a held AAF delivery: its brakes and who would depart
    copied: int = 0  # events copied from the real store

    def as_dict(self) -> dict[str, Any]:
        result = self.result.as_dict()
        return {
            "dry_run": True,
            "result": result,
            "facts": self.facts,
            "counts": {s: len(v) for s, v in self.sections.items()},
            **self.sections,
            "other": self.other,
            "brake": self.brake,
            "copied": self.copied,
        }


def read_log(store_url: str) -> DirectoryLog | None:
    """The real store's event log, opened to read: its tables are never
    created (a store without one is an empty log); None if the SQLite file
    does not exist (nothing is created to preview against nothing)."""
    if not store_exists(store_url):
        return None
    env = {**StoreURL(store_url).eventsourcing_env(), "CREATE_TABLE": "n"}
    return DirectoryLog(env=env)


def copy_log(source: DirectoryLog, target: DirectoryLog, batch: int = COPY_BATCH) -> int:
    """Every stored event of ``source`` into ``target``, same topics, states
    and order (the notification ids follow); answers how many."""
    position = copied = 0
    while True:
        try:
            chunk = source.notifications(position, batch)
        except Exception:
            if position == 0 and not _has_table(source):
                return 0  # a store whose event table was never created: an empty log
            raise
        if not chunk:
            return copied
        target.recorder.insert_events(
            [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in chunk]
        )
        copied += len(chunk)
        position = chunk[-1].id


def _has_table(log: DirectoryLog) -> bool:
    try:
        log.max_position()
    except Exception:
        return False
    return True


def twin(
    source: DirectoryLog | None,
    policy: Policy,
    clock: Clock | None = None,
    force_time: bool = False,
    keys: list[KeyRow] | None = None,
) -> tuple[Context, int]:
    """The in-memory twin of the store whose log is ``source`` (None: an
    empty store) and how many events it copied: the log copied with the
    store's ``keys`` (projections/keyring.py: without them its sealed fields
    would read as erased), the read models rebuilt, brought up to this
    release as the real command would be first (events/usecases/upgrade.py)."""
    ctx = bootstrap.build("memory:", policy, clock)
    if keys:
        cast(SqlKeyRing, ctx.keyring).adopt(keys)
        ctx.pepper = ctx.keyring.pepper()  # the store's: its digests and login streams are keyed with it
    copied = copy_log(source, ctx.log) if source is not None else 0
    ctx.simulation = bool(getattr(ctx.log.find(STORE_ID), "simulation", False))
    ctx.force_time, ctx.command = force_time, "ingest"
    ctx.projection.catch_up(ctx.log)
    ctx.siecle.catch_up(ctx.log)
    ctx.imports.catch_up(ctx.log)
    upgrade.ensure(ctx, bootstrap.release())
    return ctx, copied


def preview(
    store_url: str,
    path: str | Path,
    kind: str,
    policy: Policy,
    now: datetime | None = None,
    *,
    clock: Clock | None = None,
    force_time: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Preview:
    """What importing ``path`` (of ``kind``, adapters/sniff.py) at ``now``
    would do to the store at ``store_url``; nothing written there.

    A SQLite store is copied whole (its read models too, so nothing is
    rebuilt) into a temporary file, where the import runs as it would on the
    store; PostgreSQL's log is copied into the in-memory twin (``twin``)."""
    url = StoreURL(store_url)
    with tempfile.TemporaryDirectory(prefix="entsync-preview-") as scratch:
        if url.dialect == "sqlite" and not url.memory and store_exists(store_url):
            copy = Path(scratch) / "entsync.db"
            copy_sqlite(url.path, copy)
            ctx = bootstrap.build(f"sqlite:///{copy}", policy, clock)
            ctx.force_time, ctx.command = force_time, "ingest"
            upgrade.ensure(ctx, bootstrap.release())
            copied = ctx.log.max_position()
        else:
            source = read_log(store_url)
            try:
                ctx, copied = twin(source, policy, clock, force_time, read_keys(store_url) if source else None)
            finally:
                if source is not None:
                    source.close()
        try:
            ctx.progress = progress
            return previewed(ctx, path, kind, now, copied)
        finally:
            ctx.close()


def previewed(ctx: Context, path: str | Path, kind: str, now: datetime | None, copied: int = 0) -> Preview:
    """Import ``path`` on the twin ``ctx`` and sort the facts it recorded."""
    start = ctx.log.max_position()
    answer = dispatch(Arrival(kind, path), ctx, now)
    found = Preview(answer, copied=copied)
    if isinstance(answer, NotImportable):
        return found
    _sort(found, ctx, ctx.log.iter_events(after=start))
    if answer.intake == "aaf" and answer.status == "held" and answer.delivery_id:
        ctx.projection.catch_up(ctx.log)
        row = delivery_queries.delivery(ctx.db, answer.delivery_id)
        if row is not None and "brake" in row:
            found.brake = {"brake": row["brake"], "departures": row["departures"]}
    return found


def _sort(found: Preview, ctx: Context, new: Iterable[tuple[int, object]]) -> None:
    subjects: dict[UUID, dict[str, str]] = {}
    for _, fact in new:
        found.facts += 1
        topic = getattr(type(fact), "TOPIC", type(fact).__qualname__)
        section = SECTIONS.get(topic)
        if topic == "entsync:Account.FieldsSetAside.v1" and getattr(fact, "fields", None):
            section = "anomalies"  # fields set aside (§12); {} only says none are any more
        name = type(fact).__qualname__
        if section is None:
            found.other[name] = found.other.get(name, 0) + 1
            continue
        origin: UUID = getattr(fact, "originator_id")  # noqa: B009  (every domain event has one)
        if origin not in subjects:
            subjects[origin] = _subject(ctx, origin)
        entry: dict[str, Any] = {"event": name, **subjects[origin]}
        for key in _WHERE:
            value = getattr(fact, key, None)
            if value not in (None, ""):
                entry[key] = value.isoformat() if isinstance(value, datetime) else value
        if section == "anomalies" and getattr(fact, "fields", None):
            entry["fields"] = sorted(getattr(fact, "fields"))  # noqa: B009  (names of fields, not values)
        if section == "changes" and isinstance(getattr(fact, "changes", None), dict):
            entry["fields"] = sorted(getattr(fact, "changes"))  # noqa: B009
        found.sections[section].append(entry)


def _subject(ctx: Context, origin: UUID) -> dict[str, str]:
    """Who a fact is about, by keys only: the account's jointure and login,
    a SIECLE student's or guardian's identifier, an import's id."""
    aggregate = ctx.log.find(origin)
    keys = {"jointure": "jointure", "login": "login", "eleve_id": "eleve_id", "personne_id": "personne_id"}
    subject = {k: str(getattr(aggregate, a)) for k, a in keys.items() if getattr(aggregate, a, "")}
    return subject or {"id": str(origin)}
