"""The one routing table from a recognised kind of file to its use case, and
the one dispatch that `entsync ingest`, the inbox and the Kafka consumer
hand what arrived to (events/usecases/intake.py): given an empty store on
the in-memory twin, when a file of each kind arrives, then its use case
answers and records, or nothing is recorded for what no use case imports."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.aaf.files import discover
from adapters.sniff import KINDS, kind_of
from daemon import bootstrap
from events.usecases.formats import NotImportable
from events.usecases.intake import INTAKE_OF_KIND, Arrival, dispatch, intake_of
from events.usecases.result import Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AT = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("kind", "intake"),
    [
        ("aaf", "aaf"),
        ("siecle-eleves", "siecle"),
        ("siecle-responsables", "siecle"),
        ("siecle-nomenclatures", None),  # read by nobody: answered as not importable
        ("sts", "timetable"),
        ("edt-sts", "timetable"),  # refused by the timetable import with its own reason
        ("timetable-edt", "timetable"),
        ("timetable-envelope", None),  # encrypted: the operator re-exports in clear
        ("unknown", None),
        ("missing", None),
    ],
)
def test_each_kind_goes_to_one_use_case(kind, intake):
    assert intake_of(kind) == intake


def test_every_kind_routed_is_one_the_adapters_recognise():
    assert set(INTAKE_OF_KIND) <= set(KINDS.values())


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:", simulation=True)
    yield ctx
    ctx.close()


def recorded(uow) -> list[str]:
    """The facts recorded, by name (Delivery.Received…), the store's own left out."""
    return [
        type(event).__qualname__
        for _, event in uow.log.iter_events(after=0)
        if not type(event).__qualname__.startswith("Store.")
    ]


def facts_of(uow, aggregate_id: str) -> list[str]:
    return [type(e).__qualname__ for _, e in uow.log.iter_events(after=0) if str(e.originator_id) == aggregate_id]


@pytest.mark.parametrize(
    ("fixture", "kind", "intake", "aggregate", "status", "reason"),
    [
        ("aaf/values", "aaf", "aaf", "Delivery", "applied", ""),
        ("siecle/ElevesSansAdresses.xml", "siecle-eleves", "siecle", "SiecleImport", "applied", ""),
        ("siecle/ResponsablesAvecAdresses.xml", "siecle-responsables", "siecle", "SiecleImport", "applied", ""),
        # An empty directory knows no establishment: the timetable import refuses them, and records so.
        ("sts/sts_emp_0571994H_2026.xml", "sts", "timetable", "TimetableImport", "rejected", "unknown_uai"),
        (
            "sts/edt_sts_0571994H_2026.xml",
            "edt-sts",
            "timetable",
            "TimetableImport",
            "rejected",
            "edt_sts_instead_of_sts",
        ),
        (
            "timetable/export_edt_0571994H.xml",
            "timetable-edt",
            "timetable",
            "TimetableImport",
            "rejected",
            "unknown_uai",
        ),
    ],
)
def test_a_file_is_imported_by_the_use_case_of_its_kind(uow, fixture, kind, intake, aggregate, status, reason):
    path = FIXTURES / fixture
    assert kind_of(path) == kind
    answer = dispatch(Arrival(kind, str(path)), uow, AT)
    assert isinstance(answer, Result)
    assert (answer.intake, answer.status, answer.reason) == (intake, status, reason)
    own_id = answer.delivery_id if intake == "aaf" else answer.import_id
    facts = facts_of(uow, own_id)
    assert facts[0] == f"{aggregate}.Received" and {f.split(".")[0] for f in facts} == {aggregate}
    assert uow.log.last_effective_time() == AT


@pytest.mark.parametrize(
    ("fixture", "kind", "reason"),
    [
        ("other/Nomenclature.xml", "siecle-nomenclatures", "siecle_nomenclatures"),
        ("other/export_edt_0571994H_chiffre.xml", "timetable-envelope", "encrypted_timetable_export"),
        ("other/notes.txt", "unknown", "unknown_format"),
        ("other/nowhere.xml", "unknown", "not_found"),
    ],
)
def test_what_no_use_case_imports_is_answered_and_nothing_is_recorded(uow, fixture, kind, reason):
    path = FIXTURES / fixture
    assert kind_of(path) == kind
    answer = dispatch(Arrival(kind, str(path)), uow, AT)
    assert isinstance(answer, NotImportable)
    assert (answer.reason, answer.path) == (reason, str(path))
    assert recorded(uow) == [] and uow.log.last_effective_time() is None  # the store's clock untouched


def test_a_delivery_read_elsewhere_is_ingested_as_the_same_files_on_disk():
    """The Kafka consumer hands over the delivery it rebuilt: same rules, same ids."""
    path = FIXTURES / "aaf" / "values"
    answers = []
    for arrival in (Arrival("aaf", str(path)), discover(str(path))):
        ctx = bootstrap.build("memory:", simulation=True)
        try:
            answers.append(dispatch(arrival, ctx, AT))
            answers.append(recorded(ctx))
        finally:
            ctx.close()
    on_disk, on_disk_facts, elsewhere, elsewhere_facts = answers
    assert (elsewhere.intake, elsewhere.delivery_id, elsewhere.status) == ("aaf", on_disk.delivery_id, "applied")
    assert elsewhere.counts == on_disk.counts and elsewhere_facts == on_disk_facts
