"""Erasures recorded on time (domain-rules §12, issue 17): every gone person
whose retention has ended gets their keys destroyed, then ``PersonErased``
recorded. Keys first: a process that dies between the two leaves the
person erased but not recorded, and the next run records it (destroying
again finds nothing left to destroy). While the operator holds purges,
due erasures are listed, not recorded (events/purge.py).

The tick runs it after the removals (events/usecases/tick.py); the rows come
through ``ErasureQueries`` (projections/erasure_queries.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from events.erasure import Erasure, erasure_id
from events.erasure_rules import OVERDUE_AFTER, DueErasure, Gone, Received, due, overdue
from events.login import reservation_ids
from events.merge import merge_id
from events.personal import KeyRing
from events.policy import Policy
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class PersonStreams:
    """What else is a gone account's own: the logins it reserved that no live
    account holds, the SIECLE record streams linked to it alone, and the
    absorbed account of each merge it took part in."""

    logins: list[str] = field(default_factory=list)
    siecle: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)


class ErasureQueries(Protocol):
    """The read-model queries of the erasure (projections/erasure_queries.py)."""

    def gone(self, before: datetime) -> list[Gone]:
        """Account generations removed, or gone from their source without an
        account, at or before ``before``, and not erased as far as the read model knows."""

    def erased(self) -> int:
        """How many erasures the read model holds."""

    def recorded(self) -> list[Erased]:
        """The erasures the read model holds, by erasure time then jointure."""

    def streams(self, account_id: str) -> PersonStreams:
        """The streams of the person beside their account's."""

    def removals_held(self) -> bool:
        """Whether the operator holds removals, and so erasures (domain-rules §11)."""

    def received(self, before: datetime) -> list[Received]:
        """Deliveries and imports received at or before ``before`` whose details
        are not erased as far as the read model knows (events/usecases/details_erasure.py)."""

    def details_erased(self) -> int:
        """How many erasures of details the read model holds."""


class Faults(Protocol):
    def reached(self, point: str) -> None: ...


class ErasureReads(Protocol):
    @property
    def policy(self) -> Policy: ...
    @property
    def log(self) -> EventLog: ...
    @property
    def keyring(self) -> KeyRing: ...
    @property
    def erasure_queries(self) -> ErasureQueries: ...
    @property
    def pepper(self) -> bytes: ...


class ErasureWork(ErasureReads, Protocol):
    """The unit of work of an erasure run (daemon/bootstrap.Context)."""

    @property
    def projection(self) -> ReadModel: ...
    @property
    def faults(self) -> Faults: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


@dataclass(frozen=True)
class Erased:
    """An erasure recorded: the account generation, its jointure, when, how many keys."""

    account_id: str
    jointure: str
    erased_at: datetime
    keys: int
    subjects: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "jointure": self.jointure,
            "erased_at": self.erased_at.isoformat(),
            "keys": self.keys,
            "subjects": self.subjects,
        }


class Listed(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


DueT = TypeVar("DueT", bound=Listed)
DoneT = TypeVar("DoneT", bound=Listed)


@dataclass(frozen=True)
class ErasureReport(Generic[DueT, DoneT]):
    """What an erasure run found due and recorded: of persons
    (``PersonErasures``) or of deliveries' and imports' details
    (events/usecases/details_erasure.py)."""

    at: datetime
    dry_run: bool
    due: list[DueT]  # due and not held: recorded now (or, on a dry run, would be)
    held: list[DueT]  # due and held: listed only
    erased: list[DoneT]  # recorded by this run

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "due": [d.as_dict() for d in self.due],
            "held": [d.as_dict() for d in self.held],
            "erased": [e.as_dict() for e in self.erased],
        }


PersonErasures = ErasureReport[DueErasure, Erased]


def pending(uow: ErasureReads, at: datetime) -> list[DueErasure]:
    """Every erasure due at ``at`` and not recorded, held or not."""
    rows = uow.erasure_queries.gone(at - uow.policy.erasure_retention)
    recorded = frozenset(r.account_id for r in rows if uow.log.find(erasure_id(r.account_id)) is not None)
    return due(rows, at, uow.policy, recorded, uow.erasure_queries.removals_held())


def overdue_count(uow: ErasureReads, at: datetime) -> int:
    """Due erasures waiting longer than a day (the gauge the alert watches)."""
    rows = uow.erasure_queries.gone(at - uow.policy.erasure_retention - OVERDUE_AFTER)
    done = frozenset(r.account_id for r in rows if uow.log.find(erasure_id(r.account_id)) is not None)
    return overdue(due(rows, at, uow.policy, done, held=False), at)


def erased_count(uow: ErasureReads) -> int:
    """The erasures recorded so far (the read model's)."""
    return uow.erasure_queries.erased()


def erase_due(uow: ErasureWork, now: datetime | None = None, dry_run: bool = False) -> PersonErasures:
    """Erase every person due at ``now`` (or only list them)."""
    at = uow.effective_now(now)
    uow.keyring.refresh()  # keys another process destroyed meanwhile
    listed = pending(uow, at)
    todo = [d for d in listed if not d.held]
    held = [d for d in listed if d.held]
    if dry_run or not todo:
        return PersonErasures(at, dry_run, todo, held, [])
    erased = [erase(uow, d, at) for d in todo]
    uow.projection.catch_up(uow.log)
    return PersonErasures(at, dry_run, todo, held, erased)


def subjects_of(uow: ErasureReads, account_id: str) -> list[str]:
    """The streams whose keys erasing the account destroys."""
    streams = uow.erasure_queries.streams(account_id)
    out = [account_id]
    # Its login's reservation stream: keyed, or uuid5 in a store of an earlier release.
    out += [str(stream) for login in streams.logins for stream in reservation_ids(uow.pepper, login)]
    out += streams.siecle
    out += [str(merge_id(absorbed)) for absorbed in streams.merged]
    return list(dict.fromkeys(out))


def erase(uow: ErasureWork, d: DueErasure, at: datetime) -> Erased:
    """Destroy the person's keys, then record it; a second run after a crash
    between the two destroys nothing more and records the keys destroyed then."""
    subjects = subjects_of(uow, d.account_id)
    before = uow.keyring.destroyed(subjects)
    keys = uow.keyring.destroy(subjects, at) + len(before)
    uow.faults.reached("keys.destroyed")
    # A run that resumes records when the account's keys were destroyed, not when it ran.
    erased_at = min((datetime.fromisoformat(t.destroyed_at) for t in before if t.subject == d.account_id), default=at)
    fact = Erasure(
        account_id=d.account_id,
        jointure=d.jointure,
        subjects=subjects,
        keys=keys,
        removed_at=d.gone_at,
        retention_days=uow.policy.erasure_retention_days,
        at=erased_at,
    )
    uow.log.save(fact)
    return Erased(d.account_id, d.jointure, erased_at, keys, len(subjects))


def recorded(uow: ErasureReads) -> list[Erased]:
    """Every erasure recorded, by erasure time then jointure."""
    return uow.erasure_queries.recorded()
