"""Receiving a timetable or STS-web export on the in-memory twin (domain-rules
§7, §12): given the collège's directory, when an export arrives, then it
awaits validation, is applied, replaces the one awaiting, or is rejected
with a stable reason — and these facts are recorded. The same stories run on
SQLite and PostgreSQL in tests/integration/test_timetable_*.py."""

from __future__ import annotations

import os
from datetime import timedelta
from uuid import UUID

import pytest

from events.usecases.timetable_apply import validate
from events.usecases.timetable_hand_match import match
from events.usecases.timetable_receive import receive
from events.usecases.timetable_work import ImportRefused
from tests.unit.timetable_twin import (
    FIX,
    T1,
    T2,
    UAI,
    applied_first,
    awaiting_first,
    export,
    facts,
    twin,
    unmatched_teachers,
)


@pytest.fixture
def uow():
    ctx = twin()
    yield ctx
    ctx.close()


@pytest.fixture
def empty():
    ctx = twin(directory=False)
    yield ctx
    ctx.close()


def test_the_first_export_of_the_year_awaits_validation_with_what_to_match(uow, tmp_path):
    result = receive(export(tmp_path, "export_1", T1 - timedelta(hours=2)), uow, T1)
    assert (result.status, result.exit_code, result.uai) == ("awaiting_validation", 2, UAI)
    assert f"entsync imports validate {result.import_id}" in result.message
    assert facts(uow, result.import_id) == ["Received", "Read", "AwaitingValidation"]
    # No IDSTS, no birth date: every teacher waits for the operator, with the accounts of that name.
    assert unmatched_teachers(uow, result.import_id) == {
        "P1": ["3000001"],
        "P2": ["3000002", "3000003"],
        "P3": ["3000004"],
        "P4": ["3000005"],
        "P5": [],
    }
    assert {r.reason for r in result.rejections} == {"invalid_code", "structure_set_aside"}
    q = uow.timetable_queries
    assert q.awaiting(UAI, "edt").import_id == result.import_id
    assert q.current_timetable(UAI, "edt") is None and q.applied_count(UAI, "edt", 2026) == 0


def test_the_same_file_at_the_same_time_records_nothing_more(uow, tmp_path):
    path = export(tmp_path, "export_1", T1 - timedelta(hours=2))
    first = receive(path, uow, T1)
    again = receive(path, uow, T1)
    assert (again.import_id, again.status) == (first.import_id, "already-awaiting_validation")
    assert facts(uow, first.import_id) == ["Received", "Read", "AwaitingValidation"]


def test_the_next_export_is_applied_automatically_with_the_remembered_matches(uow, tmp_path):
    applied_first(uow, tmp_path)
    second = receive(export(tmp_path, "export_2", T2 - timedelta(hours=1)), uow, T2)
    assert second.status == "applied", second.message
    assert facts(uow, second.import_id) == ["Received", "Read", "Applied"]
    teachers = {m["ident"]: m["by"] or m["reason"] for m in uow.log.get(UUID(second.import_id)).matches}
    # P4 changed name in export_2 (LEGRAND-ETIENNE → LEGRAND): asked again, and its courses stay.
    assert [teachers[p] for p in ("P1", "P2", "P3", "P4")] == ["remembered"] * 3 + ["name_changed"]
    assert second.counts["teachers_leaving_classes"] == 0 and second.counts["sessions_removed"] == 1


def test_a_newer_export_replaces_the_awaiting_one_and_an_older_one_is_refused(uow, tmp_path):
    iid = awaiting_first(uow, tmp_path)
    match(iid, "P2", "3000003", "alice", uow, T1 + timedelta(minutes=1))
    newer = receive(export(tmp_path, "export_2", T1 + timedelta(hours=1)), uow, T1 + timedelta(hours=2))
    assert newer.status == "awaiting_validation" and newer.message.startswith(f"replaces import {iid}")
    assert facts(uow, iid)[-1] == "Replaced" and uow.log.get(UUID(iid)).status == "replaced"
    p2 = next(m for m in uow.log.get(UUID(newer.import_id)).matches if m["ident"] == "P2")
    assert (p2["key"], p2["by"]) == ("3000003", "remembered")  # the hand match is not lost
    older = export(tmp_path, "export_1", T1 - timedelta(days=3), "old_export_edt_0571994H.xml")
    older.write_bytes(older.read_bytes() + b"\n")  # not the bytes of the first one (that is a duplicate)
    os.utime(older, ((T1 - timedelta(days=3)).timestamp(),) * 2)
    refused = receive(older, uow, T1 + timedelta(hours=3))
    assert (refused.status, refused.reason) == ("rejected", "older_than_awaiting")
    assert refused.details == {"awaiting": newer.import_id}
    assert uow.timetable_queries.awaiting(UAI, "edt").import_id == newer.import_id


def test_an_sts_web_export_is_validated_into_services_without_sessions(uow):
    first = receive(FIX / "sts" / "sts_emp_0571994H_2026.xml", uow, T1)
    assert first.status == "awaiting_validation"
    assert facts(uow, first.import_id) == ["Received", "StaffIdentitiesRecorded", "AwaitingValidation"]
    assert validate(first.import_id, "alice", uow, T1 + timedelta(hours=1)).status == "applied"
    snap = uow.timetable_queries.current_timetable(UAI, "sts")
    assert snap.services and not snap.sessions


def test_a_copy_of_an_applied_export_is_rejected_as_a_duplicate(uow):
    sts = FIX / "sts" / "sts_emp_0571994H_2026.xml"
    first = receive(sts, uow, T1)
    validate(first.import_id, "alice", uow, T1 + timedelta(hours=1))
    dup = receive(sts, uow, T1 + timedelta(hours=2))
    assert (dup.status, dup.reason) == ("rejected", "duplicate_file")
    assert dup.details == {"copy_of": [first.import_id]}


@pytest.mark.parametrize(
    ("path", "reason", "recorded"),
    [
        ("timetable/export_edt_0571994H.xml", "unknown_uai", ["Received", "Read", "Rejected"]),
        ("sts/sts_emp_0571994H_2026_malformed.xml", "malformed_xml", ["Received", "Rejected"]),
        ("sts/edt_sts_0571994H_2026.xml", "edt_sts_instead_of_sts", ["Received", "Rejected"]),
    ],
)
def test_what_rejects_a_file_is_recorded_under_its_establishment(empty, path, reason, recorded):
    result = receive(FIX / path, empty, T1)
    assert (result.status, result.reason, result.uai) == ("rejected", reason, UAI)
    assert facts(empty, result.import_id) == recorded


def test_an_unreadable_path_is_refused_and_records_nothing(empty, tmp_path):
    with pytest.raises(ImportRefused, match="cannot read"):
        receive(tmp_path / "missing.xml", empty, T1)
    assert empty.log.max_position() == 1  # the store's declaration only
