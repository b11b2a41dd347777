"""What the timetable-import use cases share (domain-rules §7): the unit of
work they need (``TimetableWork``), the read-model queries they decide on
(``TimetableQueries``, implemented by projections/timetable_queries.py), and
loading and saving an import (every command answers an
events/usecases/result.py ``Result``).

The commands: receiving an export (timetable_receive.py), validating and
retrying it (timetable_apply.py), matching an item by hand
(timetable_hand_match.py) and cancelling it (timetable_cancel.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.imports import TimetableImport
from events.policy import Policy
from events.timetable.decision import EarlierCopy
from events.timetable.matching import DirectoryView, Match, Remembered
from events.timetable.snapshot import Snapshot
from events.usecases.ports import EventLog, ReadModel
from events.usecases.result import Result


class ImportRefused(ValueError):
    """The command cannot run (unreadable path, unknown import id)."""


@dataclass(frozen=True)
class AwaitingImport:
    """The import of an establishment and source awaiting validation."""

    import_id: str
    exported_at: str  # ISO, UTC


@dataclass(frozen=True)
class AccountState:
    """What a match by hand needs of the account it names."""

    profile: str
    state: str


class TimetableQueries(Protocol):
    """The read-model queries of the timetable imports (projections/timetable_queries.py)."""

    def find(self, key: str) -> str | None:
        """The import id for a full id or an unambiguous prefix of it."""

    def applied_count(self, uai: str, source: str, school_year: int) -> int:
        """How many imports of this establishment, source and school year were applied."""

    def awaiting(self, uai: str, source: str) -> AwaitingImport | None:
        """The import of ``uai`` and ``source`` awaiting validation, if any."""

    def earlier_copies(self, uai: str, sha256: str) -> list[EarlierCopy]:
        """Earlier imports of ``uai`` with the same bytes that went past the checks, oldest first."""

    def remembered(self, uai: str, source: str, school_year: int) -> list[Remembered]:
        """Matches made by hand on the applied imports of that year (domain-rules §12)."""

    def hand_matches(self, import_id: str) -> list[Remembered]:
        """Matches made by hand on one import."""

    def current_timetable(self, uai: str, source: str, school_year: int | None = None) -> Snapshot | None:
        """The last applied snapshot of ``uai`` from ``source`` (of ``school_year`` when given)."""

    def applied_imports(self, uai: str, source: str) -> list[str]:
        """The ids of the applied imports of ``uai`` from ``source``, oldest first."""

    def current_matches(self, uai: str, source: str) -> tuple[Match, ...]:
        """The matches of the import whose timetable is applied for ``uai`` and ``source``."""

    def directory_view(self, uai: str, identities: set[str]) -> DirectoryView:
        """The directory as one establishment's import sees it: its classes
        and groups, its accounts, and the accounts elsewhere that carry one of
        ``identities``; removed and withdrawn accounts left out."""

    def account(self, jointure: str) -> AccountState | None:
        """The account with this jointure, if the directory has it."""


class TimetableWork(Protocol):
    # Read-only properties, as the other use cases' units of work declare
    # theirs: the one dispatch (events/usecases/intake.py) needs them all at once.
    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...  # the directory, caught up before matching
    @property
    def imports(self) -> ReadModel: ...  # the imports read model, caught up after each save
    @property
    def policy(self) -> Policy: ...
    @property
    def timetable_queries(self) -> TimetableQueries: ...
    @property
    def pepper(self) -> bytes: ...  # the store's keyed-hash secret: names' digests

    def effective_now(self, now: datetime | None) -> datetime:
        """The command's effective time: ``now`` or the clock, never going back."""


def load(uow: TimetableWork, key: str) -> TimetableImport:
    """The import with this id (or unambiguous id prefix)."""
    uow.imports.catch_up(uow.log)
    found = uow.timetable_queries.find(key)
    imp: TimetableImport | None = uow.log.find(UUID(found)) if found else None
    if imp is None:
        raise LookupError(f"no timetable import {key!r}")
    return imp


def save(
    uow: TimetableWork,
    aggregates: list[TimetableImport],
    message: str,
    details: dict[str, Any],
    counts: dict[str, int] | None = None,
) -> Result:
    """Record the aggregates' facts in one save, bring the imports read model
    up to date, and answer for the first one."""
    uow.log.save(*aggregates)
    uow.imports.catch_up(uow.log)
    imp = aggregates[0]
    return Result(
        "timetable",
        imp.status,
        import_id=str(imp.id),
        uai=imp.uai,
        file=imp.file,
        reason=imp.reason,
        message=message,
        counts=counts or {},
        details=details,
    )


def last_applied(
    uow: TimetableWork, uai: str, source: str, school_year: int
) -> tuple[Snapshot | None, tuple[Match, ...]]:
    """The timetable applied last for this year and the matches of the import that applied it."""
    q = uow.timetable_queries
    before = q.current_timetable(uai, source, school_year)
    if before is None:
        return None, ()
    return before, q.current_matches(uai, source)
