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

The same rewrite re-keys the records' digests (events/usecases/upgrade_digests.py):
a digest is the record's content identity under the store's hash function,
and this release's function is keyed with the store's pepper. The upgrade
changes the function, not the identity, so the events keep their meaning and
the next delivery of the same records records nothing. Re-keying is
recomputing, so a resumed walk re-keys the same way. Login reservation ids
are stream ids, not states: a person's login reservation is read under both
(events/usecases/erasure.py)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from events.clock import Clock
from events.faults import Faults
from events.personal import KeyRing
from events.upgrade import Sealing, sealing_id
from events.usecases.ports import EventLog, ReadModel
from events.usecases.upgrade_digests import TOPICS, Rekeyer, StreamEvent, erased

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
    version: int = 0  # the originator version


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

    def stream(self, originator_id: str) -> list[StoredState]:
        """Every stored event of one stream, in version order (position 0)."""

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


def decoded(mapper: Resealer, data: bytes) -> dict[str, Any]:
    """A stored state as the transcoder reads it, envelopes still closed."""
    if mapper.cipher:
        data = mapper.cipher.decrypt(data)
    if mapper.compressor:
        data = mapper.compressor.decompress(data)
    state: dict[str, Any] = mapper.transcoder.decode(data)
    return state


def resealed(mapper: Resealer, stored: StoredState, rekeyer: Rekeyer | None = None) -> bytes | None:
    """The stored state with its plaintext personal values sealed under its
    originator's key and its digests re-keyed by ``rekeyer``, encoded as the
    mapper would; None when that changes nothing."""
    state = decoded(mapper, stored.state)
    sealed = dict(state)
    if rekeyer is not None and stored.topic in TOPICS and not erased(mapper.sealer.keyring, state):
        # Hashed from the values opened (a resumed walk meets sealed ones), written beside the sealed form.
        opened = dict(state)
        mapper.sealer.open(opened)
        sealed.update(rekeyer.digests(stored.topic, stored.originator_id, stored.version, opened))
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


class ResetReadModel(ReadModel, Protocol):
    def reset(self) -> None:
        """Empty the read model, for a rebuild from the log."""


class RebuildWork(Protocol):
    @property
    def log(self) -> SealingLog: ...
    @property
    def projection(self) -> ResetReadModel: ...
    @property
    def siecle(self) -> ResetReadModel: ...


def rebuild(uow: RebuildWork, sealing: SealingReport | None) -> None:
    """The directory's read model rebuilt from the log (an upgrade of its
    rules); SIECLE's too when the walk rewrote stored events: it re-keyed the
    digests both hold, and a rewrite in place is no new fact to catch up with."""
    uow.projection.reset()
    uow.projection.catch_up(uow.log)
    if sealing is not None:
        uow.siecle.reset()
        uow.siecle.catch_up(uow.log)


def rekeyer(uow: SealingWork) -> Rekeyer:
    """This release's digests for the stored events' values, with the store's pepper."""
    mapper = uow.log.mapper

    def stream(originator_id: str) -> list[StreamEvent]:
        out = []
        for stored in uow.stored_states.stream(originator_id):
            state = decoded(mapper, stored.state)
            if erased(uow.keyring, state):
                return []  # an erased record's values cannot be hashed again: its digests stay
            mapper.sealer.open(state)
            out.append(StreamEvent(stored.version, stored.topic, state))
        return out

    return Rekeyer(uow.keyring.pepper(), stream)


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
    topics = sorted(set(mapper.sealer.spec) | TOPICS)
    digests = rekeyer(uow)
    progress = states.progress() or Progress()
    if progress.done:
        return None
    resumed_from = progress.position
    while True:
        rows = states.batch(progress.position, size, topics)
        if not rows:
            break
        sealed = [(row.position, state) for row in rows if (state := resealed(mapper, row, digests)) is not None]
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
