"""SIECLE aggregates: given these events, when this command, then these
events (formats §2; domain-rules §5, §11)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from events.siecle.guardian import Guardian
from events.siecle.ids import guardian_id, import_id, student_id
from events.siecle.intake import SiecleImport
from events.siecle.student import Student

UAI = "0693834T"
T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
TODAY = date(2026, 9, 1)
ATTRS = {
    "ine": "0701234567K",
    "elenoet": "",
    "family_name": "Cœur de Lion",
    "usage_name": "",
    "given_name": "Noël",
    "given_name2": "",
    "given_name3": "",
    "birth_date": "2011-05-14",
    "sex": "M",
    "division": "3 A",
    "groups": ["ALL2"],
    "mef": "10310019110",
    "status": "ST",
    "regime": "2",
    "entered_on": "2022-09-01",
    "left_on": "",
    "leaving_reason": "",
}


def names(agg) -> list[str]:
    return [type(e).__name__ for e in agg.collect_events()]


def enrolled(**attrs) -> Student:
    return Student.enrol(UAI, "650001", {**ATTRS, **attrs}, "d0", "I1", "e.xml", 10, T0, TODAY)


def test_ids_are_deterministic_per_establishment_and_key():
    assert enrolled().id == student_id(UAI, "650001") != student_id("0011068F", "650001")
    assert guardian_id(UAI, "900001") != guardian_id(UAI, "900002")
    assert import_id("ab", 0) != import_id("ab", 1)


def test_enrolment_with_a_past_leaving_date_records_the_departure():
    s = enrolled(left_on="2026-07-04", leaving_reason="DM")
    events = s.collect_events()
    assert [type(e).__name__ for e in events] == ["Enrolled", "LeavingDateSet"]
    assert (events[1].left_on, events[1].status, events[1].reason) == ("2026-07-04", "departed", "DM")


def test_same_values_record_nothing_and_a_retyped_record_keeps_before_and_after():
    s = enrolled()
    s.collect_events()
    s.record(dict(ATTRS), "d0", "I2", "e.xml", 10, T0, TODAY)
    assert names(s) == []
    s.record(
        {**ATTRS, "family_name": "Martin", "given_name": "Léa", "birth_date": "2012-01-01"},
        "d1",
        "I2",
        "e.xml",
        10,
        T0,
        TODAY,
    )
    (changed,) = s.collect_events()
    assert type(changed).__name__ == "Changed"
    assert changed.changes["family_name"] == {"before": "Cœur de Lion", "after": "Martin"}
    assert changed.changes["birth_date"] == {"before": "2011-05-14", "after": "2012-01-01"}


def test_future_leaving_date_is_scheduled_then_cleared():
    s = enrolled()
    s.collect_events()
    s.record({**ATTRS, "left_on": "2026-10-02"}, "d1", "I2", "e.xml", 10, T0, TODAY)
    (ev,) = s.collect_events()
    assert (type(ev).__name__, ev.status, ev.previous) == ("LeavingDateSet", "scheduled", "")
    s.record(dict(ATTRS), "d0", "I3", "e.xml", 10, T0, TODAY)
    assert names(s) == ["LeavingDateCleared"]


def test_absent_then_back_is_unenrolled_then_reenrolled_with_its_changes():
    s = enrolled()
    s.collect_events()
    s.unenrol("I2", T0)
    s.unenrol("I3", T0)  # absent again: no new fact
    assert names(s) == ["Unenrolled"]
    s.record({**ATTRS, "division": "3 B"}, "d1", "I4", "e.xml", 10, T0, TODAY)
    (ev,) = s.collect_events()
    assert type(ev).__name__ == "Reenrolled" and ev.changes == {"division": {"before": "3 A", "after": "3 B"}}
    assert s.enrolled


LINK = {"kinship": "10", "pays_fees": True, "priority_contact": True}


def test_guardians_exchanged_show_as_two_level_changes_in_one_import():
    s = enrolled()
    s.record_links({"900001": {"level": 1, **LINK}, "900002": {"level": 2, **LINK}}, "L1", "I1", T0)
    assert names(s) == ["Enrolled", "GuardianLinked", "GuardianLinked"]
    s.record_links({"900001": {"level": 2, **LINK}, "900002": {"level": 1, **LINK}}, "L2", "I2", T0)
    events = s.collect_events()
    assert [(e.personne_id, e.changes["level"]) for e in events] == [
        ("900001", {"before": 1, "after": 2}),
        ("900002", {"before": 2, "after": 1}),
    ]


def test_legal_to_contact_and_unlinked_except_for_persons_rejected_in_the_export():
    s = enrolled()
    s.record_links(
        {"900001": {"level": 1, **LINK}, "900002": {"level": 1, **LINK}, "900003": {"level": 3, **LINK}}, "L1", "I1", T0
    )
    s.collect_events()
    s.record_links({"900001": {"level": 3, **LINK}}, "L2", "I2", T0, keep=frozenset({"900003"}))
    events = s.collect_events()
    assert [(type(e).__name__, e.personne_id) for e in events] == [
        ("GuardianUnlinked", "900002"),
        ("GuardianLinkChanged", "900001"),
    ]
    assert events[0].level == 1 and events[1].changes == {"level": {"before": 1, "after": 3}}
    assert set(s.links) == {"900001", "900003"}


def test_correlation_is_recorded_only_when_it_changes():
    s = enrolled()
    s.collect_events()
    s.correlate("", "", "", "no_account", "I1", T0)
    s.correlate("", "", "", "no_account", "I2", T0)
    assert names(s) == ["LinkUnresolved"]
    s.correlate("acc-1", "J1", "eleve_id", "", "I3", T0)
    s.correlate("acc-1", "J1", "eleve_id", "", "I4", T0)
    (linked,) = s.collect_events()
    assert (type(linked).__name__, linked.account_id, linked.rule, linked.previous_account_id) == (
        "AccountLinked",
        "acc-1",
        "eleve_id",
        "",
    )
    s.correlate("", "", "eleve_id", "ambiguous", "I5", T0)
    (lost,) = s.collect_events()
    assert (type(lost).__name__, lost.previous_account_id, lost.reason) == ("LinkUnresolved", "acc-1", "ambiguous")


def test_guardian_changes_and_withdrawal():
    g = Guardian(
        uai=UAI,
        personne_id="900001",
        attrs={"family_name": "D'Arco", "given_name": "Zoé"},
        digest="g0",
        import_id="I1",
        file="r.xml",
        line=3,
        at=T0,
    )
    g.collect_events()
    g.record({"family_name": "D'Arco", "given_name": "Zoé"}, "g0", "I2", "r.xml", 3, T0)
    assert names(g) == []
    g.record({"family_name": "Le Bœuf", "given_name": "Zoé"}, "g1", "I2", "r.xml", 3, T0)
    (ev,) = g.collect_events()
    assert ev.changes == {"family_name": {"before": "D'Arco", "after": "Le Bœuf"}}
    g.withdraw("I3", T0)
    g.record({"family_name": "Le Bœuf", "given_name": "Zoé"}, "g1", "I4", "r.xml", 3, T0)
    assert names(g) == ["Withdrawn", "Reappeared"]


def test_a_guardian_is_correlated_as_a_student_is():
    g = Guardian(uai=UAI, personne_id="900001", attrs={}, digest="g0", import_id="I1", file="r.xml", line=3, at=T0)
    g.collect_events()
    g.correlate("acc-7", "J7", "personne_id", "", "I1", T0)
    g.correlate("acc-7", "J7", "personne_id", "", "I2", T0)
    assert (g.account_id, g.rule, g.unresolved) == ("acc-7", "personne_id", None)
    g.correlate("", "", "name_and_student", "ambiguous", "I3", T0)
    assert (g.account_id, g.rule, g.unresolved) == ("", "name_and_student", "ambiguous")
    assert [(type(e).__name__, e.previous_account_id) for e in g.collect_events()] == [
        ("AccountLinked", ""),
        ("LinkUnresolved", "acc-7"),
    ]


def test_import_lifecycle():
    imp = SiecleImport(
        sha256="ab",
        receipt=0,
        source="/x/e.xml",
        file="e.xml",
        size=10,
        uai=UAI,
        kind="eleves",
        school_year=2026,
        exported_on="2026-09-01",
        exported_at="",
        at=T0,
    )
    imp.reject_record("missing_ine", "e.xml", 12, "650004", "ID_NATIONAL", "student without INE", T0)
    imp.start_apply(T0)
    imp.applied({"students_added": 3}, T0)
    assert imp.status == "applied"
    assert names(imp) == ["Received", "RecordRejected", "ApplyStarted", "Applied"]
    dup = SiecleImport(
        sha256="ab",
        receipt=1,
        source="/x/e.xml",
        file="e.xml",
        size=10,
        uai=UAI,
        kind="eleves",
        school_year=2026,
        exported_on="2026-09-01",
        exported_at="",
        at=T0,
    )
    dup.reject("duplicate_file", "byte-identical", T0, duplicate_of=str(imp.id))
    assert (dup.status, dup.reason, dup.id != imp.id) == ("rejected", "duplicate_file", True)
