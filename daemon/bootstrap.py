"""The composition root: the one place that builds the event log, the read
model, the staging area, the part readers and the clock from the configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version

from daemon.scan import PartReaders
from events.application import DirectoryLog
from events.clock import Clock, SystemClock
from events.faults import Faults
from events.personal import KeyRing
from events.personal_paths import compiled
from events.policy import Policy
from events.store import STORE_ID, Store
from events.usecases.aaf_ports import PartReader
from projections.access import AccessAudit, TokenStore
from projections.access import create_tables as create_access
from projections.attachment_queries import AttachmentQueries
from projections.brake_queries import BrakeQueries
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.duplicate_queries import DuplicateQueries
from projections.erasure_queries import ErasureQueries
from projections.group_queries import GroupQueries
from projections.imports import ImportsProjection
from projections.ingest_queries import IngestQueries
from projections.kafka_inbound import KafkaInbound, MemoryKafkaInbound, SqlKafkaInbound
from projections.kafka_inbound import create_tables as create_kafka_tables
from projections.keyring import SqlKeyRing
from projections.keyring import create_table as create_keyring
from projections.login_queries import LoginQueries
from projections.manual_queries import ManualQueries
from projections.merge_queries import MergeQueries
from projections.outbound_position import MemoryOutboundPositions, OutboundPositions, SqlOutboundPositions
from projections.precedence_queries import PrecedenceQueries
from projections.review_queries import ReviewQueries
from projections.siecle import SiecleProjection
from projections.siecle_queries import SiecleQueries
from projections.staging import Staging
from projections.staging import create_tables as create_staging
from projections.store_ping import DatabasePing, MemoryPing, StorePing
from projections.store_url import StoreURL
from projections.stored_states import MemoryStoredStates, SqlStoredStates
from projections.stored_states import create_table as create_sealing
from projections.tick_queries import TickQueries
from projections.timetable_queries import TimetableQueries
from projections.upgrade_queries import UpgradeQueries


class TimeWentBackwards(Exception):
    """A --now earlier than the last recorded effective time (domain-rules §11)."""


class TimeRefused(TimeWentBackwards):
    """A --now beyond the wall clock on a store that is not a simulation
    (domain-rules §12, time guard). A subclass so that every caller that
    already turns a refused time into a one-line error keeps doing so."""


class StoreDeclarationError(ValueError):
    """A store declared a simulation too late, or declared twice differently."""


@dataclass
class Context:
    log: DirectoryLog
    db: Database
    projection: DirectoryProjection
    staging: Staging
    policy: Policy
    clock: Clock = field(default_factory=SystemClock)
    # Where a test stops the process (events/faults.py); nothing in production.
    faults: Faults = field(default_factory=Faults)
    # Events the use cases save per transaction; None: each its own size. Small
    # batches make many commit points (the crash-resume tests).
    batch: int | None = None
    progress: Callable[[str, int, int], None] | None = field(default=None)
    # The read-model queries of the use cases (events/usecases/), built by build().
    brake_queries: BrakeQueries = field(default=None)  # type: ignore[assignment]
    erasure_queries: ErasureQueries = field(default=None)  # type: ignore[assignment]
    # The stored events' states and the sealing upgrade's position (events/usecases/upgrade_sealing.py).
    stored_states: SqlStoredStates = field(default=None)  # type: ignore[assignment]
    keyring: KeyRing = field(default=None)  # type: ignore[assignment]
    # The store's secret for keyed hashes (events/personal.keyed: records'
    # digests, login streams): the key ring's pepper, read once by build().
    pepper: bytes = b""
    review_queries: ReviewQueries = field(default=None)  # type: ignore[assignment]
    attachment_queries: AttachmentQueries = field(default=None)  # type: ignore[assignment]
    merge_queries: MergeQueries = field(default=None)  # type: ignore[assignment]
    group_queries: GroupQueries = field(default=None)  # type: ignore[assignment]
    login_queries: LoginQueries = field(default=None)  # type: ignore[assignment]
    manual_queries: ManualQueries = field(default=None)  # type: ignore[assignment]
    duplicate_queries: DuplicateQueries = field(default=None)  # type: ignore[assignment]
    tick_queries: TickQueries = field(default=None)  # type: ignore[assignment]
    upgrade_queries: UpgradeQueries = field(default=None)  # type: ignore[assignment]
    timetable_queries: TimetableQueries = field(default=None)  # type: ignore[assignment]
    siecle_queries: SiecleQueries = field(default=None)  # type: ignore[assignment]
    precedence_queries: PrecedenceQueries = field(default=None)  # type: ignore[assignment]
    ingest_queries: IngestQueries = field(default=None)  # type: ignore[assignment]
    # The API's tokens and its access audit (projections/access.py), built by build().
    tokens: TokenStore = field(default=None)  # type: ignore[assignment]
    access_audit: AccessAudit = field(default=None)  # type: ignore[assignment]
    # The Kafka consumer's working storage and the outbound position (daemon/kafka/), built by build().
    kafka_inbound: KafkaInbound = field(default=None)  # type: ignore[assignment]
    outbound_positions: OutboundPositions = field(default=None)  # type: ignore[assignment]
    # Reads the parts of a delivery, in worker processes when worth it (daemon/scan.py).
    part_reader: PartReader = field(default_factory=PartReaders)
    # The timetable-imports read model (projections/imports.py), built by build().
    imports: ImportsProjection = field(default=None)  # type: ignore[assignment]
    # The SIECLE read model (projections/siecle.py), built by build().
    siecle: SiecleProjection = field(default=None)  # type: ignore[assignment]
    # Declared when the store was created (events/store.py); False for a store
    # that predates the declaration.
    simulation: bool = False
    # Set by the command line for `--force` (a --now beyond the wall clock on a
    # production store) and for a dry run (which records nothing, not even
    # the forced clock).
    force_time: bool = False
    dry_run: bool = False
    command: str = ""
    _forced: bool = field(default=False, repr=False)

    def effective_now(self, now: datetime | None) -> datetime:
        """The effective time of a command: ``--now`` or the clock; never before
        the last recorded effective time, and on a production store never
        beyond the wall clock by more than the configured skew unless forced.

        On a simulation store without ``--now`` the clock is the later of the
        wall clock and the last recorded time, so that a simulated year can go
        on without repeating its date on every command."""
        wall = self.clock.now()
        last = self.log.last_effective_time()
        if now is None:
            at = max(wall, last) if self.simulation and last is not None else wall
        else:
            at = now.astimezone(timezone.utc)
            if not self.simulation and at > wall + self.policy.clock_skew:
                if not self.force_time:
                    raise TimeRefused(
                        f"--now {at.isoformat()} is beyond the wall clock ({wall.isoformat(timespec='seconds')}) "
                        f"by more than {self.policy.clock_skew_minutes:g} minutes and this store is not a "
                        "simulation: a production store's clock cannot go back once moved; give --force if "
                        "this time is really meant"
                    )
                self._record_forced(at, wall)
        if last is not None and at < last:
            hint = (
                " (the store's clock is ahead of the wall clock: see `entsync store info`)"
                if last > wall + self.policy.clock_skew
                else ""
            )
            raise TimeWentBackwards(
                f"--now {at.isoformat()} is before the last recorded effective time {last.isoformat()}{hint}"
            )
        return at

    def judged_now(self) -> datetime:
        """When time-dependent anomalies (overdue creations) are judged by
        default: the wall clock, or on a simulation store its last recorded
        time (domain-rules §12)."""
        if self.simulation:
            last = self.log.last_effective_time()
            if last is not None:
                return last
        return self.clock.now()

    def _record_forced(self, at: datetime, wall: datetime) -> None:
        if self.dry_run or self._forced:
            return
        store = self.log.find(STORE_ID)
        if store is None:  # a store from before the declaration: declare it now, production
            store = Store(simulation=False, declared_at=wall, release=release())
        store.force_clock(at, wall, self.command or "unknown")
        self.log.save(store)
        self._forced = True

    def close(self) -> None:
        self.db.close()
        self.keyring.close()
        self.log.close()


# The sealed paths of every stored topic (events/personal_fields.py), read once.
PERSONAL = compiled()


def release() -> str:
    try:
        return version("entsync")
    except PackageNotFoundError:
        return "unknown"


def build(
    store_url: str,
    policy: Policy | None = None,
    clock: Clock | None = None,
    *,
    faults: Faults | None = None,
    simulation: bool | None = None,
    batch: int | None = None,
    lock_wait: int | None = None,
    pepper: bytes | None = None,
) -> Context:
    """Open (and create if needed) the store. ``simulation`` declares what
    kind of store a *new* one is (events/store.py); on an existing store it
    must agree with the declaration, and a store that already holds facts
    cannot become a simulation. ``lock_wait``: the seconds a save waits for
    the store's write lock (projections/store_url.py). ``pepper``: the
    secret of keyed hashes of a store this call creates (random when None;
    ignored for an existing store): tests that compare two stores built
    apart give both the same."""
    clock, faults = clock or SystemClock(), faults or Faults()
    url = StoreURL(store_url)
    db = Database(url, clock=clock)
    with db.schema_lock():  # the event store's tables, the read models' and the Kafka consumer's are created here
        # The key ring on a connection of its own (projections/keyring.py).
        keys_db = Database(url, clock=clock)
        create_keyring(keys_db, pepper)
        keyring = SqlKeyRing(keys_db)
        log = DirectoryLog(env=url.eventsourcing_env(lock_wait), faults=faults, keyring=keyring, personal=PERSONAL)
        create_sealing(db, fresh=not log.max_position())  # a store created by this release is sealed from the start
        if not url.memory:  # the twin keeps them in memory
            create_kafka_tables(db)
        create_staging(db)  # the staging area, working storage beside the read model
        create_access(db)  # the API's tokens and access audit
        store = log.find(STORE_ID)
        if simulation is not None:
            store = _declare(log, store, simulation, clock)
        staging = Staging(db, faults)
        return Context(
            log=log,
            db=db,
            projection=DirectoryProjection(db, faults=faults, staging=staging),
            staging=staging,
            policy=policy or Policy(),
            clock=clock,
            faults=faults,
            batch=batch,
            brake_queries=BrakeQueries(db),
            erasure_queries=ErasureQueries(db),
            stored_states=MemoryStoredStates(db, log) if url.memory else SqlStoredStates(db, log),
            keyring=keyring,
            pepper=keyring.pepper(),
            review_queries=ReviewQueries(db),
            attachment_queries=AttachmentQueries(db),
            merge_queries=MergeQueries(db),
            group_queries=GroupQueries(db),
            login_queries=LoginQueries(db),
            manual_queries=ManualQueries(db),
            duplicate_queries=DuplicateQueries(db),
            tick_queries=TickQueries(db),
            upgrade_queries=UpgradeQueries(db),
            timetable_queries=TimetableQueries(db),
            imports=ImportsProjection(db, faults=faults),
            siecle=SiecleProjection(db, faults=faults),
            siecle_queries=SiecleQueries(db),
            precedence_queries=PrecedenceQueries(db),
            ingest_queries=IngestQueries(db),
            tokens=TokenStore(db),
            access_audit=AccessAudit(db),
            kafka_inbound=MemoryKafkaInbound() if url.memory else SqlKafkaInbound(db),
            outbound_positions=MemoryOutboundPositions() if url.memory else SqlOutboundPositions(db),
            part_reader=PartReaders(),
            simulation=bool(store and store.simulation),
        )


def store_ping(store_url: str, clock: Clock | None = None) -> StorePing | None:
    """The store's probe for the service (daemon/service/storehealth.py): a
    connection of its own to the PostgreSQL server; the twin's for ``memory:``;
    None for a SQLite file, which has no server to lose."""
    url = StoreURL(store_url)
    if url.memory:
        return MemoryPing()
    return DatabasePing(url, clock) if url.dialect == "postgres" else None


def _declare(log: DirectoryLog, store: Store | None, simulation: bool, clock: Clock) -> Store | None:
    if store is not None:
        if store.simulation != simulation:
            kind = "a simulation" if store.simulation else "a production store"
            raise StoreDeclarationError(f"this store was declared {kind} when it was created; that cannot change")
        return store
    facts = log.max_position()
    if facts:
        if simulation:
            raise StoreDeclarationError(
                f"this store already holds {facts} facts: a store is declared a simulation when it is "
                "created, never later (create a new store, or replay this one into a new simulation)"
            )
        return None  # an existing store without a declaration is a production store already
    store = Store(simulation=simulation, declared_at=clock.now(), release=release())
    log.save(store)
    return store
