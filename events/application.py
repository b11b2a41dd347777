"""The event log of the directory: one eventsourcing application over SQLite
(embedded default) or PostgreSQL. No business rule lives here; the
aggregates record facts and the service layer (daemon/) decides."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import Mapper, Notification, Recording, StoredEvent
from eventsourcing.utils import get_topic

from events.account import Account, account_id
from events.delivery import Delivery, delivery_id
from events.erasure import Erasure  # noqa: F401  (its topics must be known to decode the log)
from events.faults import Faults
from events.generations import current
from events.login import Login
from events.personal import KeyRing
from events.sealing import Path, Sealer
from events.structure import SourceRecord
from events.upgrade import Upgrade  # noqa: F401  (its topics must be known to decode the log)

# How long the PostgreSQL pool keeps retrying one lost connection (psycopg_pool
# backs off 1, 2, 4 s… between attempts) before it gives that attempt up and
# starts a fresh one at the next request. Its default, 300 s, let the delays
# grow so long that a service could wait half a minute after the server's
# return; with a few seconds, a restarted server is met within seconds.
RECONNECT_SECONDS = 4.0


class SealingMapper(Mapper[UUID]):
    """The library's mapper, with each event's personal fields sealed under
    its originator's key before the state is encoded, and opened after it is
    decoded (events/sealing.py). The library's own cipher encrypts whole
    states under one key for the whole log: it cannot forget one person."""

    def __init__(self, mapper: Mapper[UUID], sealer: Sealer) -> None:
        super().__init__(mapper.transcoder, mapper.compressor, mapper.cipher)
        self.sealer = sealer

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        # Mapper.to_stored_event (eventsourcing 9.5) with the sealing step added.
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        topic = get_topic(type(domain_event))
        self.sealer.seal(topic, str(originator_id), event_state)
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id, originator_version=originator_version, topic=topic, state=stored_state
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        self.sealer.open(domain_event.__dict__)
        return domain_event


class DirectoryLog(Application[UUID]):
    # Pinned: PostgreSQL tables are named after the application.
    name = "entsync"

    def __init__(
        self,
        *args: Any,
        faults: Faults | None = None,
        keyring: KeyRing | None = None,
        personal: dict[str, tuple[Path, ...]] | None = None,
        **kwargs: Any,
    ) -> None:
        # Told after every commit of events ("log.saved", events/faults.py).
        self.faults = faults or Faults()
        # Without a key ring (a log opened only to copy its stored events) nothing
        # is sealed or opened: states are read and written as stored.
        self.keyring = keyring
        self.personal = personal
        super().__init__(*args, **kwargs)
        pool = getattr(getattr(self.recorder, "datastore", None), "pool", None)
        if pool is not None and hasattr(pool, "reconnect_timeout"):
            pool.reconnect_timeout = RECONNECT_SECONDS
        if keyring is not None:
            insert = self.recorder.insert_events

            def insert_events(stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
                keyring.flush()  # the keys first: an event must never name a key not yet written
                return insert(stored_events, **kwargs)

            self.recorder.insert_events = insert_events  # type: ignore[method-assign]

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = super().construct_mapper()
        if self.keyring is None:
            return mapper
        sealer = Sealer(self.keyring, self.personal or {}, mapper.transcoder.encode, mapper.transcoder.decode)
        return SealingMapper(mapper, sealer)

    def reconnect_now(self) -> None:
        """The server answers again: the PostgreSQL pool tries a connection at
        once (a request waiting for one gets it) instead of at its next
        back-off step. Nothing on SQLite."""
        pool = getattr(getattr(self.recorder, "datastore", None), "pool", None)
        if pool is not None and hasattr(pool, "check"):
            pool.check()

    def save(
        self, *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None, **kwargs: Any
    ) -> list[Recording[UUID]]:
        recordings = super().save(*objs, **kwargs)
        if recordings:  # a save with nothing new commits nothing
            self.faults.reached("log.saved")
        return recordings

    def account(self, jointure: str) -> Account | None:
        first = cast("Account | None", self.find(account_id(jointure)))
        return first if first is None or not first.successor_id else current(self, jointure)

    def delivery(self, fingerprint_or_id: str | UUID) -> Delivery | None:
        if isinstance(fingerprint_or_id, UUID):
            return cast("Delivery | None", self.find(fingerprint_or_id))
        try:
            return cast("Delivery | None", self.find(UUID(fingerprint_or_id)))
        except ValueError:
            return cast("Delivery | None", self.find(delivery_id(fingerprint_or_id)))

    def find(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def get(self, aggregate_id: UUID) -> Any:
        return self.repository.get(aggregate_id)

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def notifications(self, after: int, limit: int = 1000, stop: int | None = None) -> Sequence[Notification]:
        return self.recorder.select_notifications(after, limit, stop=stop, inclusive_of_start=False)

    def iter_events(self, after: int = 0, stop: int | None = None, batch: int = 2000) -> Iterator[tuple[int, object]]:
        """(notification id, domain event) in log order."""
        position = after
        while True:
            chunk = self.notifications(position, batch, stop)
            if not chunk:
                return
            for n in chunk:
                yield n.id, self.mapper.to_domain_event(n)
            position = chunk[-1].id

    def last_effective_time(self) -> datetime | None:
        """Effective time of the last recorded fact (time never goes backwards)."""
        top = self.max_position()
        if not top:
            return None
        last = self.notifications(top - 1, 1)
        return getattr(self.mapper.to_domain_event(last[0]), "at", None) if last else None

    def save_in_batches(self, groups: Iterable[Sequence[Aggregate | StoredEvent]], size: int) -> None:
        """Save about ``size`` items at a time, one transaction per batch; the
        items of one group always share a transaction (an account creation and
        its login reservation). An item is an aggregate with pending events or
        a ``StoredEvent`` already encoded (``events.new_accounts.NewAccounts``)."""
        batch: list[Aggregate | StoredEvent] = []
        for group in groups:
            batch.extend(group)
            if len(batch) >= size:
                self._save_batch(batch)
                batch = []
        if batch:
            self._save_batch(batch)

    def _save_batch(self, items: list[Aggregate | StoredEvent]) -> None:
        if not any(type(item) is StoredEvent for item in items):
            self.save(*cast("list[Aggregate]", items))
            return
        # What Application.save does for this application (no snapshots, no
        # cache, no followers), with some events already encoded.
        stored: list[StoredEvent] = []
        for item in items:
            if type(item) is StoredEvent:
                stored.append(item)
            else:
                stored.extend(self.mapper.to_stored_event(e) for e in cast(Aggregate, item).collect_events())
        self.recorder.insert_events(stored)
        self.faults.reached("log.saved")


__all__ = ["DirectoryLog", "Account", "Delivery", "Login", "SourceRecord"]
