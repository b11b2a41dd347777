"""Which use case imports a file, from what the adapters recognised in it
(adapters/sniff.py), and the one dispatch to it: ``entsync ingest``, the
inbox and the Kafka consumer hand what arrived to ``dispatch`` and only
show, report or count its answer (events/usecases/result.py), so that a
file is never imported one way by hand and another way by the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, cast, overload

from adapters.aaf.files import DeliveryFiles
from adapters.timetable.files import KINDS as TIMETABLE_KINDS
from events.usecases.aaf_ingest import ingest, ingest_delivery
from events.usecases.aaf_ports import IngestStaging, IngestWork
from events.usecases.formats import NotImportable, not_importable
from events.usecases.ports import ReadModel
from events.usecases.result import Intake, Result
from events.usecases.siecle_hold import HeldFiles
from events.usecases.siecle_import import SiecleQueries, SiecleWork, ingest_siecle
from events.usecases.siecle_relink import RelinkQueries
from events.usecases.timetable_receive import receive
from events.usecases.timetable_work import TimetableWork

INTAKE_OF_KIND: dict[str, Intake] = {
    "aaf": "aaf",
    "siecle-eleves": "siecle",
    "siecle-responsables": "siecle",
    **{kind: "timetable" for kind in TIMETABLE_KINDS},  # STS-web exports go through the timetable import too
}


def intake_of(kind: str) -> Intake | None:
    """The use case that imports a file of this kind: ``aaf``
    (events/usecases/aaf_ingest.py), ``siecle`` (siecle_import.py) or
    ``timetable`` (timetable_receive.py, STS-web included); None for what is
    not imported (events/usecases/formats.py answers it: SIECLE's
    nomenclatures, the encrypted timetable envelope, an unknown or missing
    file)."""
    return INTAKE_OF_KIND.get(kind)


@dataclass(frozen=True)
class Arrival:
    """A file (or directory, or archive) to import, as recognised."""

    kind: str  # what adapters/sniff.py recognised in it
    # As given: an AAF delivery records it as its source, and the refusal of
    # what is not imported names it.
    path: str | Path


class IntakeSiecleQueries(SiecleQueries, RelinkQueries, Protocol):
    """The SIECLE queries of the import and of the relink that follows an AAF ingest."""


class IntakeStaging(IngestStaging, HeldFiles, Protocol):
    """The staging area of the AAF ingest, which keeps the held SIECLE exports too."""


class IntakeWork(IngestWork, SiecleWork, TimetableWork, Protocol):
    """What the use cases ``dispatch`` hands a file to use of the unit of
    work (daemon/bootstrap.Context): theirs, where two name one port, the
    port that answers both."""

    @property
    def siecle(self) -> ReadModel: ...
    @property
    def siecle_queries(self) -> IntakeSiecleQueries: ...
    @property
    def staging(self) -> IntakeStaging: ...


@overload
def dispatch(arrival: Arrival, uow: IntakeWork, now: datetime | None = None) -> Result | NotImportable: ...
@overload
def dispatch(arrival: DeliveryFiles, uow: IngestWork, now: datetime | None = None) -> Result: ...
def dispatch(
    arrival: Arrival | DeliveryFiles, uow: IntakeWork | IngestWork, now: datetime | None = None
) -> Result | NotImportable:
    """Import what arrived by the use case of its kind (``intake_of``), at
    ``now`` (None: the clock): a file on disk, or an AAF delivery whose
    parts came from elsewhere (the Kafka deliveries topic). Answers the use
    case's result, or, for a file no use case imports, why it is set aside
    — nothing recorded then. A delivery needs the AAF ingest's unit of work
    only; a file, every source's (``IntakeWork``). The use cases' refusals to start (another
    import to finish first, time going backwards, an unreadable path) are
    raised for the caller to tell apart from a bad file."""
    if isinstance(arrival, DeliveryFiles):
        return ingest_delivery(arrival, uow, now)
    work = cast(IntakeWork, uow)  # a file may be of any source: it comes with the whole unit of work (the overloads)
    intake = intake_of(arrival.kind)
    if intake == "aaf":
        return ingest(str(arrival.path), work, now)
    if intake == "siecle":
        return ingest_siecle(arrival.path, work, now)
    if intake == "timetable":
        return receive(arrival.path, work, now)
    return not_importable(arrival.path, arrival.kind)
