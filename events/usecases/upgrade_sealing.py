"""Sealing in place the personal fields of a store written by an earlier
release (issue 17, design-17 §6). Such a store holds names in clear in its
stored events; the sealing mapper reads them as they are, and seals only what
it writes. The upgrade walks the stored events of the topics that have
personal fields, in notification order, a batch at a time, and rewrites each
state that still holds a plaintext value at a sealed path: the same state,
sealed under its originator's key. Only the encoding changes: every event
decodes to the same domain event before and after.

Resumable: each batch's states and the position reached are committed in one
transaction (projections/stored_states.py), the keys that seal them committed
before it (an event must never name a key not yet written). A process killed
midway resumes after the last committed batch; sealing an already sealed
state changes nothing, so a batch is never sealed twice. When the walk reaches
the end, ``Sealing.Completed`` says how many events were sealed, once, and
the position row is marked done: the next commands do not walk again.

One process walks at a time (a lock; on SQLite the writers are serialised
anyway), and a batch commits only if the position is still the one it read.

Where digests and login reservation ids would be re-keyed with the store's
pepper (design-17 §5), a step after ``seal_stored`` in ``upgrade.ensure``
would go: they are ids and digests, not states, and need facts of their own."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from events.clock import Clock
from events.faults import Faults
from events.personal import KeyRing
from events.upgrade import Sealing, sealing_id
from events.usecases.ports import EventLog

# Stored events read, sealed and committed per transaction.
BATCH = 2000


@dataclass(frozen=True)
class Progress:
    """How far the walk went: the last notification id committed, the events
    sealed and the batches committed so far; ``done`` once it reached the end."""

    position: int = 0
    events: int = 0
    batches: int = 0
    done: bool = False


@dataclass(frozen=True)
class StoredState:
    """A stored event as the table holds it: its state encoded, maybe in clear."""

    position: int
    originator_id: str
    topic: str
    state: bytes


@dataclass(frozen=True)
class SealingReport:
    events: int
    batches: int
    resumed_from: int  # the position an earlier, interrupted walk had reached (0: none)

    def summary(self) -> str:
        resumed = f" (resumed after position {self.resumed_from})" if self.resumed_from else ""
        return f"sealed personal fields of {self.events} events in {self.batches} batches{resumed}; the store is sealed"


class StoredStates(Protocol):
    """The stored events' states and the walk's position (projections/stored_states.py)."""

    def progress(self) -> Progress | None:
        """How far the walk went; None when it never began (a store of an earlier release)."""

    def batch(self, after: int, limit: int, topics: Sequence[str]) -> list[StoredState]:
        """Up to ``limit`` stored events of ``topics`` after the notification ``after``, in order."""

    def commit(self, states: Sequence[tuple[int, bytes]], was: Progress, now: Progress) -> bool:
        """In one transaction: each (notification id, state) written in place and
        the position moved from ``was`` to ``now``; False (nothing written)
        when the position is no longer ``was``."""

    def walking(self) -> AbstractContextManager[bool]:
        """True to the one process that may walk (on PostgreSQL an advisory lock)."""


class Resealer(Protocol):
    """The log's sealing mapper (events/application.py SealingMapper)."""

    sealer: Any
    transcoder: Any
    compressor: Any
    cipher: Any


class SealingLog(EventLog, Protocol):
    @property
    def mapper(self) -> Any: ...


class SealingWork(Protocol):
    """The unit of work of the sealing upgrade (daemon/bootstrap.Context)."""

    @property
    def log(self) -> SealingLog: ...
    @property
    def keyring(self) -> KeyRing: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def stored_states(self) -> StoredStates: ...
    @property
    def batch(self) -> int | None: ...  # events per transaction; None: BATCH


def resealed(mapper: Resealer, stored: StoredState) -> bytes | None:
    """The stored state with its plaintext personal values sealed under its
    originator's key, encoded as the mapper would; None when it holds none."""
    data = stored.state
    if mapper.cipher:
        data = mapper.cipher.decrypt(data)
    if mapper.compressor:
        data = mapper.compressor.decompress(data)
    state = mapper.transcoder.decode(data)
    sealed = dict(state)
    # The sealer replaces what it seals with new values and leaves envelopes
    # and empty values alone: an unchanged state held nothing in clear.
    mapper.sealer.seal(stored.topic, stored.originator_id, sealed)
    if sealed == state:
        return None
    out: bytes = mapper.transcoder.encode(sealed)
    if mapper.compressor:
        out = mapper.compressor.compress(out)
    if mapper.cipher:
        out = mapper.cipher.encrypt(out)
    return out


def pending(uow: SealingWork) -> bool:
    """Whether the store's stored events may still hold personal data in clear."""
    progress = uow.stored_states.progress()
    return progress is None or not progress.done


def seal_stored(uow: SealingWork, release: str) -> SealingReport | None:
    """Seal the stored events an earlier release wrote in clear; None when
    there was nothing to seal or another process is sealing them."""
    if not pending(uow):
        return None
    with uow.stored_states.walking() as alone:
        if not alone:
            return None
        return _walk(uow, release, uow.batch or BATCH)


def _walk(uow: SealingWork, release: str, size: int) -> SealingReport | None:
    states, mapper = uow.stored_states, uow.log.mapper
    topics = sorted(mapper.sealer.spec)
    progress = states.progress() or Progress()
    if progress.done:
        return None
    resumed_from = progress.position
    while True:
        rows = states.batch(progress.position, size, topics)
        if not rows:
            break
        sealed = [(row.position, state) for row in rows if (state := resealed(mapper, row)) is not None]
        uow.keyring.flush()  # the keys before the states that name them
        moved = Progress(rows[-1].position, progress.events + len(sealed), progress.batches + 1)
        if not states.commit(sealed, progress, moved):
            # Another process moved the position: go on from where it is.
            progress = states.progress() or Progress()
            if progress.done:
                return None
            continue
        uow.faults.reached("upgrade.sealed")
        progress = moved
    if progress.events and uow.log.find(sealing_id()) is None:
        uow.log.save(
            Sealing(
                release=release,
                events=progress.events,
                batches=progress.batches,
                position=progress.position,
                at=uow.log.last_effective_time() or uow.clock.now(),
                upgraded_at=uow.clock.now(),
            )
        )
    done = Progress(progress.position, progress.events, progress.batches, done=True)
    if not states.commit([], progress, done) or not progress.events:
        return None
    return SealingReport(progress.events, progress.batches, resumed_from)
