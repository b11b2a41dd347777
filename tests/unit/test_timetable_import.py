"""The pure parts of the timetable import pipeline (domain-rules §7, §11):
matching against a directory view, the checks before comparison, the
decision, the stored snapshot, the French labels, the aggregate's
transitions and the configurable thresholds."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.errors import Rejection
from adapters.sts.parser import read_sts
from adapters.timetable.parser import read_edt
from events.imports import TimetableImport, TransitionRefused, import_id
from events.policy import Policy
from events.timetable.bilan import bilan
from events.timetable.changes import diff
from events.timetable.decision import DEFAULT_THRESHOLDS, EarlierCopy, Threshold, decide, refusal, school_year_of
from events.timetable.edt import match_edt
from events.timetable.labels import status_label, thresholds_section
from events.timetable.matching import DirectoryView, Person, person_identity
from events.timetable.snapshot import Session, Snapshot, snapshot_from_dict, snapshot_to_dict
from events.timetable.sts import match_sts

# Any pepper: the names' digests are compared with digests of the same store.
PEPPER = b"test pepper"

FIX = Path(__file__).resolve().parents[1] / "fixtures"
EDT = FIX / "timetable" / "export_edt_0571994H.xml"
STS = FIX / "sts" / "sts_emp_0571994H_2026.xml"
AT = datetime(2026, 8, 28, 6, tzinfo=timezone.utc)


def view(**kw) -> DirectoryView:
    people = (
        Person("J-P1", "ENSEIGNANT", sts_id="4101", local=True),
        Person("J-P2", "ENSEIGNANT", sts_id="4102", local=True),
        # E1 by INE, E2 by ELEVE_ID (no INE in the export), E3 by name + birth date
        Person("J-E1", "ELEVE", ine="0712345678K", local=True),
        Person("J-E2", "ELEVE", eleve_id="300002", local=True),
        Person("J-E3", "ELEVE", identity=person_identity("ŒHMICHEN", "Léonie", date(2011, 12, 31)), local=True),
        # E4: two accounts share the identity, both attached: never guessed
        Person("J-E4a", "ELEVE", identity=person_identity("DA SILVA", "João", date(2012, 8, 15)), local=True),
        Person("J-E4b", "ELEVE", identity=person_identity("Da Silva", "Joao", date(2012, 8, 15)), local=True),
    )
    base = dict(uai="0571994H", known=True, classes=frozenset({"3A"}), groups=frozenset({"ALL2"}), people=people)
    return DirectoryView(**{**base, **kw})


# ---------------------------------------------------------------------------- matching


def test_edt_matching_by_key_then_identity_and_never_guessed():
    m = {(x.kind, x.ident): x for x in match_edt(read_edt(EDT), view(), PEPPER).matches}
    assert (m["teacher", "P1"].key, m["teacher", "P1"].by) == ("J-P1", "sts_id")
    assert (m["teacher", "P2"].key, m["teacher", "P2"].by) == ("J-P2", "sts_id")  # padded IDSTS
    assert (m["teacher", "P3"].key, m["teacher", "P3"].reason) == ("", "no_identity")  # no IDSTS, no birth date
    assert (m["student", "E1"].key, m["student", "E1"].by) == ("J-E1", "ine")
    assert (m["student", "E2"].key, m["student", "E2"].by) == ("J-E2", "eleve_id")
    assert (m["student", "E3"].key, m["student", "E3"].by) == ("J-E3", "name_birth_date")
    assert (m["student", "E4"].key, m["student", "E4"].reason) == ("", "ambiguous")
    assert (m["class", "C1"].key, m["class", "C2"].key, m["class", "C2"].reason) == ("3A", "", "not_found")
    assert m["group", "G1"].key == "ALL2"


def test_a_local_account_wins_over_one_elsewhere_with_the_same_identity():
    ident = person_identity("DA SILVA", "João", date(2012, 8, 15))
    people = (Person("J-here", "ELEVE", identity=ident, local=True), Person("J-there", "ELEVE", identity=ident))
    m = {x.ident: x for x in match_edt(read_edt(EDT), view(people=people), PEPPER).matches if x.kind == "student"}
    assert (m["E4"].key, m["E4"].by) == ("J-here", "name_birth_date")


def test_edt_snapshot_speaks_in_matched_keys_and_imports_only_what_matched():
    result = match_edt(read_edt(EDT), view(), PEPPER)
    s = result.snapshot
    # 3 B is unknown to the directory: not imported, nor its courses; ALL2 keeps its part of 3A.
    assert s.classes == frozenset({"3A"})
    assert s.groups == {"ALL2": frozenset({"3A"})}
    # The course on part C1P2 only never reaches the ENT, and those naming 3 B go with it.
    assert len(s.sessions) == 3 and all(x.classes or x.groups for x in s.sessions)
    assert s.services[("3A", "FRANC")] == frozenset({"J-P1", "J-P2"})
    assert ("3 B", "MATHS") not in s.services
    # Only matched students: E3 is in 3 B (not imported), E4 is ambiguous.
    assert s.students == {"J-E1": "3A", "J-E2": "3A"}
    assert s.group_members["ALL2"] == frozenset({"J-E1", "J-E3"})
    assert result.summary == {"classes": (1, 1), "groupes": (1, 0), "enseignants": (2, 1)}
    assert [(r["kind"], r["ident"], r["reason"]) for r in result.not_imported] == [
        ("teacher", "P3", "no_identity"),
        ("class", "C2", "not_found"),
    ]


def test_an_unmatched_teacher_is_not_imported_but_their_courses_are():
    s = match_edt(read_edt(EDT), view(classes=frozenset({"3A", "3 B"})), PEPPER).snapshot
    assert s.services[("3 B", "MATHS")] == frozenset()  # P3 matched nobody: the course, not the teacher
    assert "edt:P3" not in s.teachers and s.students["J-E3"] == "3 B"


def test_sts_matching_lists_teachers_only_and_their_services():
    result = match_sts(read_sts(STS), view(classes=frozenset({"3A", "3 B"}), groups=frozenset()), PEPPER)
    teachers = {x.ident: x for x in result.matches if x.kind == "teacher"}
    assert set(teachers) == {"4101", "4102", "90001"}  # 4103 is DIR: staff, not a teacher
    assert teachers["4101"].key == "J-P1" and teachers["90001"].reason in ("not_found", "no_identity")
    assert result.snapshot.sessions == () and result.snapshot.students == {}
    # A group the directory does not have is imported as a group to create (seed 004 "groupes d'option à créer").
    group = next(x for x in result.matches if x.kind == "group")
    assert ("3LATIN" in result.snapshot.groups) and (group.key, group.by) == ("3LATIN", "to_create")
    assert result.summary["groupes"] == (1, 0)


# ---------------------------------------------------------------------------- checks before comparison


def rej(reason: str) -> Rejection:
    return Rejection(reason, "export.xml", 12, "G1", "Groupe/@Nom", "bad")


@pytest.mark.parametrize(
    "case, expected",
    [
        (dict(uai_known=False), "unknown_uai"),
        (dict(copies=[EarlierCopy("abc", "a.xml", "2026-09-01")]), "duplicate_file"),
        (dict(ends_on=date(2027, 7, 16)), "end_date_after_15_july"),
        (dict(ends_on=date(2027, 8, 31), automatic=False), None),  # the first import of a year lists it instead
        (dict(ends_on=date(2027, 7, 15)), None),
        (dict(uai_known=False, copies=[EarlierCopy("x", "f", "t")]), "unknown_uai"),
        ({}, None),
    ],
)
def test_refusals_in_order(case, expected):
    args = dict(uai="0571994H", uai_known=True, copies=[], school_year=2026, ends_on=date(2027, 7, 4))
    found = refusal(**{**args, **case})
    assert (found.reason if found else None) == expected
    if found is not None:
        assert found.message  # an operator can act on it


def test_the_end_of_year_refusal_says_what_to_change_in_edt():
    found = refusal(
        uai="0571994H",
        uai_known=True,
        copies=[],
        school_year=2026,
        ends_on=date(2027, 8, 31),
        end_help="in EDT, Paramètres > Établissement > Calendrier",
    )
    assert "2027-08-31" in found.message and "Calendrier" in found.message
    assert found.details == {"ends_on": "2027-08-31", "limit": "2027-07-15"}


def test_school_year_of_a_start_date():
    assert school_year_of(date(2026, 9, 1)) == 2026 and school_year_of(date(2027, 3, 1)) == 2026


# ---------------------------------------------------------------------------- decision


def sess(n: int) -> tuple[Session, ...]:
    return tuple(
        Session(1 + i % 5, i // 5, 1, "MATHS", frozenset({"T"}), frozenset({"3A"}), frozenset(), 1) for i in range(n)
    )


BEFORE = Snapshot(services={("3A", "MATHS"): frozenset({"T"})}, sessions=sess(300), classes=frozenset({"3A"}))


@pytest.mark.parametrize(
    "first, after, lifted, outcome",
    [
        (True, Snapshot(), frozenset(), "awaiting_validation"),  # first of the year: an operator decides
        (False, BEFORE, frozenset(), "applied"),  # nothing changed
        (False, Snapshot(**{**BEFORE.__dict__, "sessions": sess(50)}), frozenset(), "rejected"),
        (False, Snapshot(**{**BEFORE.__dict__, "sessions": sess(50)}), frozenset({"sessions_removed"}), "applied"),
    ],
)
def test_decide(first, after, lifted, outcome):
    assert decide(BEFORE, after, first, DEFAULT_THRESHOLDS, lifted).outcome == outcome


def test_rejection_report_names_each_threshold_in_french():
    after = Snapshot(**{**BEFORE.__dict__, "sessions": sess(50)})
    d = decide(BEFORE, after, False, DEFAULT_THRESHOLDS)
    assert d.over["sessions_removed"] == {
        "count": 250,
        "total": 300,
        "percent": 83.3,
        "limit_count": 200,
        "limit_percent": 20,
        "liftable": True,
    }
    sections = bilan(d.changes, {}, d.over)
    assert list(sections)[0] == "Seuils dépassés"  # why nothing was applied, first
    assert sections["Seuils dépassés"] == [
        "sessions_removed (séances en moins) : 250 sur 300, soit 83,3 % ; seuil 200 et 20 %"
    ]


def test_locked_threshold_says_so_in_the_report():
    over = {
        "structures_deleted_with_sessions": {
            "count": 1,
            "total": 3,
            "percent": 33.3,
            "limit_count": 0,
            "limit_percent": 0,
            "liftable": False,
        }
    }
    assert thresholds_section(over)[0].endswith("ce seuil ne peut jamais être levé")


def test_snapshot_round_trip_keeps_64_bit_weeks():
    s = match_edt(read_edt(EDT), view(classes=frozenset({"3A", "3 B"})), PEPPER).snapshot
    stored = snapshot_to_dict(s)
    assert isinstance(stored["sessions"][0][7], str)
    back = snapshot_from_dict(stored)
    assert back == s and diff(s, back).sessions_removed == 0
    assert max(x.weeks for x in back.sessions) == (1 << 64) - 2  # weeks 1..63: week n is 2**n
    # A session stored before the weekly data (eight elements) still reads.
    old = {**stored, "sessions": [x[:8] for x in stored["sessions"]]}
    assert snapshot_from_dict(old).sessions == back.sessions
    assert snapshot_from_dict({}) is None


@pytest.mark.parametrize(
    "status, reason, label",
    [
        ("applied", "", "Import réalisé avec succès"),
        ("rejected", "duplicate_file", "Rejet - Double du fichier d'import"),
        ("rejected", "malformed_xml", "Rejet - Fichier invalide"),
        ("awaiting_validation", "", "En attente de validation"),
    ],
)
def test_history_labels(status, reason, label):
    assert status_label(status, reason) == label


# ---------------------------------------------------------------------------- aggregate


def received() -> TimetableImport:
    return TimetableImport(
        uai="0571994H",
        source="edt",
        file="e.xml",
        sha256="00" * 32,
        size=10,
        school_year=2026,
        snapshot={},
        matches=[],
        summary={},
        record_rejections=[],
        at=AT,
    )


def test_id_is_uai_file_and_time():
    imp = received()
    assert imp.id == import_id("0571994H", "00" * 32, AT) != import_id("0571994H", "00" * 32, AT.replace(hour=7))


def test_given_awaiting_when_validated_then_validated_and_applied():
    imp = received()
    imp.await_validation([], AT)
    imp.validate("alice", AT)
    imp.apply({}, [], AT)
    names = [type(e).__name__ for e in imp.collect_events()]
    assert names == ["Received", "AwaitingValidation", "Validated", "Applied"]
    assert imp.status == "applied" and imp.automatic is False
    with pytest.raises(TransitionRefused, match="applied"):
        imp.validate("alice", AT)


def test_given_threshold_rejection_when_lifted_and_retried_then_retried():
    imp = received()
    imp.reject("threshold_exceeded", "over", {}, [], AT)
    imp.lift(["sessions_removed"], "bob", AT)
    imp.retry("bob", AT)
    assert imp.status == "retried" and imp.lifted == ["sessions_removed"]
    imp.apply({}, [], AT)
    assert [type(e).__name__ for e in imp.collect_events()][-3:] == ["ThresholdsLifted", "Retried", "Applied"]


def test_only_a_threshold_rejection_can_be_retried():
    imp = received()
    imp.reject("duplicate_file", "copy", {}, [], AT)
    with pytest.raises(TransitionRefused, match="duplicate_file"):
        imp.retry("bob", AT)


def test_event_topics_are_versioned():
    topics = {type(e).TOPIC for e in (received().collect_events())}
    assert topics == {"entsync:TimetableImport.Received.v1"}
    assert TimetableImport.Rejected.TOPIC == "entsync:TimetableImport.Rejected.v1"


# ---------------------------------------------------------------------------- configuration


def test_thresholds_are_configurable_one_by_one():
    p = Policy(timetable_thresholds={"sessions_removed": {"count": 5, "percent": 1}})
    assert p.timetable_thresholds["sessions_removed"] == Threshold(count=5, percent=1)
    assert p.timetable_thresholds["services_deleted"] == DEFAULT_THRESHOLDS["services_deleted"]


@pytest.mark.parametrize(
    "table", [{"sessions": {"count": 1}}, {"structures_deleted_with_sessions": {"liftable": True}}]
)
def test_bad_threshold_configuration_is_refused(table):
    with pytest.raises(ValidationError):
        Policy(timetable_thresholds=table)
