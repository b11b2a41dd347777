"""The store upgrade to rules 4 rescans SIECLE records (events/usecases/upgrade_siecle.py):
on the in-memory twin, a store of rules 3 whose log holds SIECLE records
retyped for another person as an earlier release recorded them (a Changed,
no judgement) gets, once, the suspected overwrite, and one swap for two
guardians of one student who exchanged identities in one import."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from events.siecle.guardian import Guardian
from events.siecle.ids import guardian_id, student_id
from events.siecle.student import Student
from events.store import Store
from events.usecases import upgrade
from events.usecases.upgrade_siecle import missed_siecle

UAI = "0693834T"
T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=1)
TODAY = date(2026, 9, 1)
RELEASE = "9.9.9"
PUPIL = {"family_name": "Martin", "usage_name": "", "given_name": "Léa", "given_name2": "", "given_name3": ""}
PUPIL |= {"birth_date": "2011-05-14", "division": "3 A", "groups": [], "left_on": "", "leaving_reason": ""}
MOTHER = {"civility": "MME", "family_name": "Martin", "usage_name": "", "given_name": "Hélène", "email": ""}
FATHER = {**MOTHER, "civility": "M", "given_name": "Patrick"}
OTHER = {"civility": "MME", "family_name": "Dupuis", "usage_name": "", "given_name": "Claire", "email": ""}


def guardian(pid: str, attrs: dict, line: int) -> Guardian:
    return Guardian(uai=UAI, personne_id=pid, attrs=attrs, digest="g0", import_id="I1", file="r.xml", line=line, at=T0)


def linked(student: Student, pid: str, level: int) -> None:
    student.trigger_event(
        Student.GuardianLinked,
        personne_id=pid,
        level=level,
        kinship="",
        pays_fees=False,
        priority_contact=False,
        links_digest=pid,
        import_id="I1",
        at=T0,
    )


def given_a_store_of_rules_3(uow) -> None:
    """Recorded as a release before SIECLE judgement did (``record`` without a
    threshold): in import I2 a guardian retyped for someone else, the two
    guardians of a pupil exchanging identities, a sibling retyped over a
    pupil, and a typo corrected (not an overwrite)."""
    uow.log.save(Store(simulation=False, declared_at=T0, release="0.3.0"))
    lea = Student.enrol(UAI, "650001", PUPIL, "d0", "I1", "e.xml", 10, T0, TODAY)
    hugo = Student.enrol(UAI, "650002", {**PUPIL, "given_name": "Théo"}, "d0", "I1", "e.xml", 11, T0, TODAY)
    mother, father = guardian("900001", MOTHER, 3), guardian("900002", FATHER, 4)
    other, typo = guardian("900003", OTHER, 5), guardian("900004", {**OTHER, "family_name": "Dupont"}, 6)
    linked(lea, "900001", 1)
    linked(lea, "900002", 1)
    mother.record(FATHER, "g1", "I2", "r.xml", 3, T1)
    father.record(MOTHER, "g1", "I2", "r.xml", 4, T1)
    other.record({**OTHER, "civility": "M", "given_name": "Bernard"}, "g1", "I2", "r.xml", 5, T1)
    typo.record({**OTHER, "family_name": "Dupond"}, "g1", "I2", "r.xml", 6, T1)
    hugo.record({**PUPIL, "given_name": "Hugo", "birth_date": "2014-01-02"}, "d1", "I2", "e.xml", 11, T1, TODAY)
    uow.log.save(lea, hugo, mother, father, other, typo)
    uow.projection.catch_up(uow.log)
    uow.db.execute("UPDATE tracking SET position = 3 WHERE name = 'directory.rules'")


@pytest.fixture
def uow():
    ctx = bootstrap.build("memory:")
    yield ctx
    ctx.close()


def test_the_upgrade_records_once_the_siecle_overwrites_and_swaps_an_earlier_release_did_not_judge(uow):
    given_a_store_of_rules_3(uow)
    assert upgrade.needed(uow) and upgrade.store_rules(uow) == 3
    position = uow.log.max_position()

    dry = upgrade.upgrade(uow, RELEASE, dry_run=True)
    assert [(o["record"], o["id"], o["import_id"], o["line"]) for o in dry.siecle_overwrites] == [
        ("student", "650002", "I2", 11),
        ("guardian", "900003", "I2", 5),
    ]  # in the order of the log; the typo corrected (900004) is none
    assert [(s["eleve_id"], s["personne_ids"], s["line"]) for s in dry.siecle_swaps] == [
        ("650001", "900001, 900002", 3)
    ]
    assert "Bernard" not in str(dry.as_dict()) and uow.log.max_position() == position

    report = upgrade.upgrade(uow, RELEASE)
    assert "2 SIECLE suspected overwrite(s) found, 1 SIECLE guardian swap(s) found" in report.summary()
    added = [e for _, e in uow.log.iter_events(after=position)]
    assert sorted(type(e).__qualname__ for e in added) == [
        "Guardian.OverwriteSuspected",
        "Guardian.Swapped",
        "Guardian.Swapped",
        "Student.GuardiansSwapped",
        "Student.OverwriteSuspected",
        "Upgrade.Recorded",
    ]
    flagged = {e.originator_id: e for e in added if type(e).__name__ == "OverwriteSuspected"}
    suspected = flagged[guardian_id(UAI, "900003")]
    assert (suspected.import_id, suspected.file, suspected.line, suspected.at) == ("I2", "r.xml", 5, T1)
    assert suspected.after["given_name"] == "Bernard" and suspected.before["given_name"] == "Claire"
    assert flagged[student_id(UAI, "650002")].after["birth_date"] == "2014-01-02"
    (swap,) = [e for e in added if type(e).__name__ == "GuardiansSwapped"]
    assert (swap.originator_id, swap.personne_ids, swap.import_id) == (
        student_id(UAI, "650001"),
        ["900001", "900002"],
        "I2",
    )
    assert added[-1].corrections == {"siecle_overwrite_suspected": 2, "siecle_guardians_swapped": 1}

    assert not upgrade.needed(uow) and upgrade.upgrade(uow, RELEASE).needed is False  # once
    again = missed_siecle(uow.log.iter_events(), uow.policy.overwrite_name_similarity)
    assert (again.overwrites, again.swaps) == ([], [])


def test_records_judged_at_import_are_not_found_again(uow):
    """A store of this release: the import judged the record, the rescan recognises its fact."""
    other = guardian("900003", OTHER, 5)
    other.record({**OTHER, "civility": "M", "given_name": "Bernard"}, "g1", "I2", "r.xml", 5, T1, 0.75)
    other.withdraw("I3", T1 + timedelta(days=1))  # a fact after the judged one
    uow.log.save(other)
    assert [type(e).__name__ for _, e in uow.log.iter_events()][-2:] == ["OverwriteSuspected", "Withdrawn"]
    found = missed_siecle(uow.log.iter_events(), uow.policy.overwrite_name_similarity)
    assert (found.overwrites, found.swaps) == ([], [])
