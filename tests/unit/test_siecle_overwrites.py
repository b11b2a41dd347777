"""SIECLE overwrites and swapped guardians (domain-rules §5, §11): given a
record's facts, when an export retypes it, then a suspected overwrite or
nothing (aggregates, judged with the policy's threshold); the swap detector
as a table; and on the in-memory twin, one swap for two guardians who
exchanged identities, counted by the import."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from daemon import bootstrap
from events.faults import CountingFaults
from events.identity_rules import Identity
from events.identity_swaps import Swap, swapped_pairs
from events.policy import Policy
from events.siecle.guardian import Guardian
from events.siecle.student import Student
from events.usecases.siecle_import import ingest_siecle
from tests.integration.test_siecle_ingest import LINKS, PERSONS, STUDENTS, T1, T2, eleves, responsables

UAI = "0693834T"
T0 = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)
TODAY = date(2026, 9, 1)
THRESHOLD = Policy().overwrite_name_similarity
PUPIL = {"family_name": "Martin", "usage_name": "", "given_name": "Léa", "given_name2": "", "given_name3": ""}
PUPIL |= {"birth_date": "2011-05-14", "division": "3 A", "groups": [], "left_on": "", "leaving_reason": ""}
PARENT = {"civility": "MME", "family_name": "Martin", "usage_name": "", "given_name": "Hélène", "email": ""}


def names(agg) -> list[str]:
    return [type(e).__name__ for e in agg.collect_events()]


def pupil() -> Student:
    s = Student.enrol(UAI, "650001", PUPIL, "d0", "I1", "e.xml", 10, T0, TODAY)
    s.collect_events()
    return s


def parent() -> Guardian:
    g = Guardian(uai=UAI, personne_id="900001", attrs=PARENT, digest="g0", import_id="I1", file="r.xml", line=3, at=T0)
    g.collect_events()
    return g


@pytest.mark.parametrize(
    "change, flagged",
    [
        ({"given_name": "Lea"}, False),  # an accent
        ({"given_name2": "Marie"}, False),  # a second given name added
        ({"usage_name": "Durand"}, False),  # a usage name
        ({"birth_date": "2011-05-41"}, False),  # two digits transposed
        ({"given_name": "Hugo"}, True),  # a sibling retyped over the pupil
        ({"given_name": "Léo", "birth_date": "2013-02-01"}, True),  # a twin? another birth date too
    ],
)
def test_a_student_retyped_for_another_person_is_suspected(change, flagged):
    s = pupil()
    s.record({**PUPIL, **change}, "d1", "I2", "e.xml", 12, T0, TODAY, THRESHOLD)
    assert names(s) == (["Changed", "OverwriteSuspected"] if flagged else ["Changed"])


@pytest.mark.parametrize(
    "change, flagged",
    [
        ({"civility": "M"}, False),  # M. → MME corrected alone
        ({"given_name": "Helene"}, False),
        ({"family_name": "Durand-Martin"}, False),
        ({"email": "x@example.org"}, False),  # not the identity
        ({"civility": "M", "given_name": "Patrick"}, True),  # the other parent
    ],
)
def test_a_guardian_retyped_for_the_other_parent_is_suspected_not_a_civility_correction(change, flagged):
    g = parent()
    g.record({**PARENT, **change}, "g1", "I2", "r.xml", 7, T0, THRESHOLD)
    events = g.collect_events()
    assert [type(e).__name__ for e in events] == (["Changed", "OverwriteSuspected"] if flagged else ["Changed"])
    if flagged:
        ev = events[1]
        assert (ev.before["given_name"], ev.after["given_name"], ev.import_id, ev.file, ev.line) == (
            "Hélène",
            "Patrick",
            "I2",
            "r.xml",
            7,
        )
        assert ev.score < THRESHOLD and "given_name_replaced" in ev.reasons


def test_a_change_spread_over_two_imports_is_caught_against_the_first_appearance():
    s = pupil()
    s.record({**PUPIL, "given_name": "Léna"}, "d1", "I2", "e.xml", 12, T0, TODAY, THRESHOLD)  # close to Léa
    assert names(s) == ["Changed"]
    s.record({**PUPIL, "given_name": "Lina", "birth_date": "2011-05-15"}, "d2", "I3", "e.xml", 12, T0, TODAY, THRESHOLD)
    assert names(s) == ["Changed", "OverwriteSuspected"]  # Léa → Lina, birth date corrected: judged from Léa
    # Flagged once: the new holder's identity is the reference from now on.
    s.record({**PUPIL, "given_name": "Lina", "birth_date": "2011-05-16"}, "d3", "I4", "e.xml", 12, T0, TODAY, THRESHOLD)
    assert names(s) == ["Changed"]


def test_the_first_identity_is_rebuilt_from_the_facts():
    s = pupil()
    s.record({**PUPIL, "given_name": "Hugo"}, "d1", "I2", "e.xml", 12, T0, TODAY, THRESHOLD)
    events = s.collect_events()
    rebuilt = None
    for ev in [Student.Enrolled(**_enrolled_fields(s)), *events]:
        rebuilt = ev.mutate(rebuilt)
    assert rebuilt.first_identity == s.first_identity and rebuilt.first_identity["given_name"] == "Hugo"


def _enrolled_fields(s: Student) -> dict:
    return {
        "originator_id": s.id,
        "originator_version": 1,
        "timestamp": T0,
        "originator_topic": "entsync:SiecleStudent.v1",
        "uai": UAI,
        "eleve_id": "650001",
        "attrs": PUPIL,
        "digest": "d0",
        "import_id": "I1",
        "file": "e.xml",
        "line": 10,
        "at": T0,
    }


def ident(given: str, civility: str = "") -> Identity:
    return Identity("MARTIN", (given,), "", "", civility)


A, B, C = ident("Hélène", "MME"), ident("Patrick", "M"), ident("Sophie", "MME")


@pytest.mark.parametrize(
    "changed, groups, swaps",
    [
        # guardians 1 and 2 retyped instead of re-ordered: one swap
        ({"p1": (A, B), "p2": (B, A)}, {"e1": ["p1", "p2"]}, [Swap("p1", "p2", "e1")]),
        # a typo on the way does not hide it
        ({"p1": (A, ident("Patrik", "M")), "p2": (B, A)}, {"e1": ["p1", "p2"]}, [Swap("p1", "p2", "e1")]),
        # the same pair for two siblings: named once, by the first child
        ({"p1": (A, B), "p2": (B, A)}, {"e2": ["p1", "p2"], "e1": ["p2", "p1"]}, [Swap("p1", "p2", "e1")]),
        # not of the same child: two overwrites, no swap
        ({"p1": (A, B), "p2": (B, A)}, {"e1": ["p1"], "e2": ["p2"]}, []),
        # one retyped over the other, the other retyped for a third person: no swap
        ({"p1": (A, B), "p2": (B, C)}, {"e1": ["p1", "p2"]}, []),
        # a rotation of three: no pair exchanged
        ({"p1": (A, B), "p2": (B, C), "p3": (C, A)}, {"e1": ["p1", "p2", "p3"]}, []),
        # corrections only (no overwrite on either side): nothing
        ({"p1": (A, ident("Helene", "MME")), "p2": (B, ident("Patrick", "MME"))}, {"e1": ["p1", "p2"]}, []),
    ],
)
def test_swapped_pairs(changed, groups, swaps):
    assert swapped_pairs(changed, groups, THRESHOLD) == swaps


@pytest.fixture
def ctx():
    ctx = bootstrap.build("memory:", Policy(), faults=CountingFaults(), simulation=True)
    yield ctx
    ctx.close()


def guardian_facts(ctx) -> list[str]:
    wanted = {"OverwriteSuspected", "GuardiansSwapped", "Swapped"}
    return sorted(type(ev).__name__ for _, ev in ctx.log.iter_events() if type(ev).__name__ in wanted)


def test_two_guardians_exchanging_identities_are_one_swap_not_two_overwrites(ctx, tmp_path: Path):
    ingest_siecle(eleves(tmp_path / "e1.xml", "01/09/2026", STUDENTS), ctx, T1)
    ingest_siecle(responsables(tmp_path / "r1.xml", "01/09/2026", PERSONS, LINKS), ctx, T1 + timedelta(minutes=1))
    swapped = [(PERSONS[0][0], *PERSONS[1][1:]), (PERSONS[1][0], *PERSONS[0][1:]), *PERSONS[2:]]
    r = ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", swapped, LINKS), ctx, T2)
    assert (r.counts["guardians_swapped"], r.counts.get("overwrites_suspected", 0)) == (1, 0)
    assert guardian_facts(ctx) == ["GuardiansSwapped", "Swapped", "Swapped"]
    # Later corrections of the swapped records are judged from their new holders.
    retyped = [(PERSONS[0][0], "Coeur de Lion", PERSONS[1][2]), *swapped[1:]]
    r = ingest_siecle(responsables(tmp_path / "r3.xml", "05/10/2026", retyped, LINKS), ctx, T2 + timedelta(days=1))
    assert r.counts.get("overwrites_suspected", 0) == 0 and r.counts["guardians_changed"] == 1


def test_a_guardian_retyped_for_the_other_parent_is_counted(ctx, tmp_path: Path):
    ingest_siecle(eleves(tmp_path / "e1.xml", "01/09/2026", STUDENTS), ctx, T1)
    ingest_siecle(responsables(tmp_path / "r1.xml", "01/09/2026", PERSONS, LINKS), ctx, T1 + timedelta(minutes=1))
    retyped = [PERSONS[0], (PERSONS[1][0], *PERSONS[0][1:]), *PERSONS[2:]]
    r = ingest_siecle(responsables(tmp_path / "r2.xml", "04/10/2026", retyped, LINKS), ctx, T2)
    assert (r.counts["overwrites_suspected"], r.counts.get("guardians_swapped", 0)) == (1, 0)
    assert guardian_facts(ctx) == ["OverwriteSuspected"]
