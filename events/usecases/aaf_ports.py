"""What the AAF ingest reads and writes through (domain-rules §4, §5, §11):
the read-model queries (``IngestQueries``, projections/ingest_queries.py), the
staging area where phase 1 keeps what it found until the delivery is decided
(``Staging``, projections/staging.py), the part readers (``PartReader``,
daemon/scan.py) and the unit of work listing them (``IngestWork``, the
composition root's context). Rows are typed: frozen dataclasses, no tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper

from adapters.aaf.files import DeliveryFiles, PartFile
from adapters.aaf.parser import RawRecord
from adapters.aaf.summary import Digest, Known, PartSummary
from events.delivery import Delivery
from events.usecases.brake_check import BrakeWork
from events.usecases.ports import EventLog, FollowUps, ReadModel
from events.usecases.precedence import PrecedenceWork
from events.usecases.siecle_relink import RelinkWork


@dataclass(frozen=True)
class RecordIndex:
    """What the read model knows of each source record when an ingest begins."""

    known: dict[str, Known]  # "category:jointure" → what the read model knows, of the delivery's categories
    person_category: dict[str, str]  # jointure → category, of every person record

    def get(self, category: str, jointure: str) -> Known | None:
        return self.known.get(f"{category}:{jointure}")


@dataclass(frozen=True)
class BlockingDelivery:
    """A delivery held, or a delta waiting behind one (domain-rules §12)."""

    delivery_id: str
    prefix: str
    status: str  # held | waiting
    behind: str | None  # the held delivery a waiting one waits behind, as its details say


@dataclass(frozen=True)
class KnownStructure:
    jointure: str
    uai: str
    present: bool


@dataclass(frozen=True)
class Identity:
    """A pending or active account's identity (domain-rules §11, duplicates),
    and the establishments it belongs to (a guardian: its students')."""

    jointure: str
    identity: str
    uais: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MergedPair:
    """A merge that holds (issue 14): the absorbed account shown inside its survivor."""

    survivor: str  # jointure
    absorbed: str  # jointure


class IngestQueries(Protocol):
    """The read-model queries of the ingest (projections/ingest_queries.py)."""

    def record_index(self, categories: Collection[str]) -> RecordIndex:
        """The digests of the records of these categories, and every person's category."""

    def blocking(self, except_id: str) -> list[BlockingDelivery]:
        """Held and waiting deliveries but ``except_id``, in the order they came."""

    def waiting(self) -> list[str]:
        """The waiting deliveries, in the order they came."""

    def structures(self) -> list[KnownStructure]:
        """Every structure the directory knows."""

    def present(self, category: str) -> list[str]:
        """The jointures of the present records of ``category``, sorted."""

    def structures_of(self, jointures: Sequence[str]) -> dict[str, set[str]]:
        """The structures each person's account is attached to, by jointure."""

    def identities(self) -> list[Identity]:
        """Pending and active accounts that carry an identity, by jointure."""

    def merged(self) -> list[MergedPair]:
        """The merges that hold now (events/merge.py), by jointure."""


@dataclass(frozen=True)
class StagedRow:
    """A fact found in phase 1, applied in phase 2 (``op``: add, upsert,
    arrival, delete, absent, duplicate)."""

    seq: int
    category: str
    jointure: str
    op: str
    attrs_json: str  # the whole attribute map as JSON ("null" when there is none)
    digest: str
    file: str
    line: int


@dataclass(frozen=True)
class ApplyState:
    phase: str
    apply_from: int  # the log position the apply phase began after


@dataclass(frozen=True)
class Interrupted:
    """A delivery whose apply phase began and did not end."""

    delivery_id: str
    source: str


class Staging(Protocol):
    """Working storage of the ingest, beside the read model (projections/staging.py):
    emptied once a delivery is applied or rejected, kept while it is held."""

    def add(self, delivery_id: str, rows: Sequence[StagedRow]) -> None: ...

    def rows(self, delivery_id: str) -> Iterator[StagedRow]:
        """The staged rows, in order."""

    def upserts(self, delivery_id: str, category: str) -> list[StagedRow]:
        """The staged changes (``upsert``) of one category, in order (the guardians' swaps)."""

    def count(self, delivery_id: str) -> int: ...

    def clear(self, delivery_id: str) -> None:
        """Drop the staged rows and the apply state."""

    def set_phase(self, delivery_id: str, phase: str, apply_from: int, source: str) -> None: ...

    def state(self, delivery_id: str) -> ApplyState | None: ...

    def interrupted(self) -> list[Interrupted]: ...

    def park(self, delivery_id: str, records: Iterable[RawRecord]) -> int:
        """Keep the records of a waiting delta, replacing what was parked; returns how many."""

    def parked(self, delivery_id: str, part: str) -> Iterator[RawRecord]:
        """The parked records of one part, in file order."""

    def unpark(self, delivery_id: str) -> None: ...


class PartReader(Protocol):
    """Reads the parts of a delivery, in parallel when worth it (daemon/scan.py)."""

    def summaries(
        self,
        files: DeliveryFiles,
        parts: list[PartFile],
        index: dict[str, Known],
        digest: Digest,
        reference: date | None,
    ) -> Iterator[tuple[PartFile, PartSummary]]:
        """(part, its summary) in the order of ``parts``, each record hashed with ``digest``."""


class IngestLog(EventLog, Protocol):
    @property
    def mapper(self) -> Mapper[UUID]: ...  # new accounts are encoded directly (events/new_accounts.NewAccounts)

    def delivery(self, delivery_id: str) -> Delivery | None: ...

    def iter_events(self, after: int = 0) -> Iterator[tuple[int, Any]]:
        """(position, event) of every event recorded after ``after``."""


class IngestStaging(Staging, FollowUps, Protocol):
    """The staging area, which also keeps the follow-ups of applied deliveries
    (the relink that follows an ingest reads and marks them)."""


class IngestWork(RelinkWork, PrecedenceWork, BrakeWork, Protocol):
    """The unit of work of the ingest (daemon/bootstrap.Context): what the
    ingest uses, and what the relink and the precedence that follow an
    applied delivery use (events/usecases/aaf_ingest._finish). Read-only
    properties, as theirs are: a plain attribute in a Protocol is invariant,
    and the context's narrower types would not match it."""

    @property
    def log(self) -> IngestLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def staging(self) -> IngestStaging: ...
    @property
    def ingest_queries(self) -> IngestQueries: ...
    @property
    def part_reader(self) -> PartReader: ...
    @property
    def pepper(self) -> bytes: ...  # the store's keyed-hash secret: records' digests
    @property
    def progress(self) -> Callable[[str, int, int], None] | None: ...

    def effective_now(self, now: datetime | None) -> datetime: ...
