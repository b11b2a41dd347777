"""A timetable import applies what it can and lists the rest (domain-rules
§12): what an earlier import applied for a record not imported now is kept
and is no change; the share limit of automated imports; hand matches
remembered on ident and name; the weeks of the bilan (week n = 2ⁿ)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.timetable.parser import read_edt
from events.timetable.bilan import alternances, bilan, closures, weekly
from events.timetable.changes import Aside, diff, keep_set_aside
from events.timetable.decision import DEFAULT_THRESHOLDS, exceeded, set_aside_refusal
from events.timetable.edt import match_edt
from events.timetable.matching import DirectoryView, Person, Remembered, name_digest, rematch
from events.timetable.resolve import resolve
from events.timetable.snapshot import Session, Snapshot, session_dates, until, week_mask_weeks

# Any pepper: the names' digests are compared with digests of the same store.
PEPPER = b"test pepper"

NS = "http://www.index-education.com/exportemploidutemps"


def w(*weeks: int) -> int:
    return sum(1 << n for n in weeks)


def export(
    tmp_path: Path,
    teachers: str,
    courses: str,
    classes: str = '<Classe Ident="C1" Nom="3A"/>',
    groups: str = "",
    students: str = "",
) -> Path:
    """A small export in the shape of an older Index export (no IDSTS, no birth dates)."""
    p = tmp_path / "export_edt_0571994H.xml"
    p.write_text(
        f'''<?xml version="1.0" encoding="UTF-8"?>
<ExportEmploiDuTemps xmlns="{NS}" Version="2019.0.2.1" UAI="0571994H">
  <AnneeScolaire DateDebut="2026-09-01" DateFin="2027-07-04" DatePremierJourSemaine1="2026-08-31"/>
  <Matieres><Matiere Ident="M1" Code="MATHS" Libelle="MATHÉMATIQUES"/><Matiere Ident="M2" Code="AP" Libelle="AP"/></Matieres>
  <Professeurs>{teachers}</Professeurs>
  <Classes>{classes}</Classes>
  <Groupes>{groups}</Groupes>
  <Eleves>{students}</Eleves>
  <Cours>{courses}</Cours>
</ExportEmploiDuTemps>''',
        encoding="utf-8",
    )
    return p


def course(day: int, teacher: str = "P1", klass: str = "C1", weeks: int = w(1, 2, 3)) -> str:
    t = f'<Professeur Ident="{teacher}" Semaines="{weeks}"/>' if teacher else ""
    return (
        f'<Cours Jour="{day}" NumeroPlaceDebut="0" NombrePlaces="1"><Matiere Ident="M1"/>{t}'
        f'<Classe Ident="{klass}" Semaines="{weeks}"/></Cours>'
    )


PEOPLE = (
    Person("J-DUPONT", "ENSEIGNANT", local=True, name="DUPONT MARIE"),
    Person("J-MARTIN1", "ENSEIGNANT", local=True, name="MARTIN LEA"),
    Person("J-MARTIN2", "ENSEIGNANT", local=True, name="MARTIN LEA"),
)
VIEW = DirectoryView("0571994H", True, frozenset({"3A", "4B"}), frozenset({"ALL2"}), PEOPLE)


# ---------------------------------------------------------------------------- matching by hand


def test_teachers_without_identifier_get_name_candidates_never_a_guess(tmp_path):
    path = export(
        tmp_path,
        '<Professeur Ident="P1" Nom="DUPONT" Prenom="Marie" IdPN="X1"/>'
        '<Professeur Ident="P2" Nom="MARTIN" Prenom="Léa"/>'
        '<Professeur Ident="P3" Nom="BERNARD" Prenom="Hugo"/>',
        course(1) + course(2, "P2"),
    )
    e = read_edt(path)
    assert e.teachers[0].pronote_id == "X1"  # IdPN, the older spelling, is read
    m = {x.ident: x for x in match_edt(e, VIEW, PEPPER).matches if x.kind == "teacher"}
    assert [(m[i].key, m[i].reason, m[i].candidates) for i in ("P1", "P2", "P3")] == [
        ("", "no_identity", ("J-DUPONT",)),
        ("", "no_identity", ("J-MARTIN1", "J-MARTIN2")),
        ("", "no_identity", ()),
    ]


def test_a_remembered_hand_match_holds_for_the_same_ident_and_name_and_is_asked_again_when_the_name_changes(tmp_path):
    digest = name_digest(PEPPER, "DUPONT", "Marie")
    memory = (Remembered("teacher", "P1", digest, "J-DUPONT"),)
    same = read_edt(export(tmp_path, '<Professeur Ident="P1" Nom="Dupont" Prenom="MARIE"/>', course(1)))
    m = next(x for x in match_edt(same, VIEW, PEPPER, memory).matches if x.ident == "P1")
    assert (m.key, m.by) == ("J-DUPONT", "remembered")
    renamed = read_edt(export(tmp_path, '<Professeur Ident="P1" Nom="DUPONT-LEROY" Prenom="Marie"/>', course(1)))
    m = next(x for x in match_edt(renamed, VIEW, PEPPER, memory).matches if x.ident == "P1")
    assert (m.key, m.reason) == ("", "name_changed")


def test_a_hand_match_resolves_the_recorded_plan_without_the_file(tmp_path):
    e = read_edt(export(tmp_path, '<Professeur Ident="P1" Nom="DUPONT" Prenom="Marie"/>', course(1)))
    first = match_edt(e, VIEW, PEPPER)
    assert first.snapshot.services == {("3A", "MATHS"): frozenset()}  # the unmatched teacher is not imported
    again = resolve(first.plan, rematch(first.matches, "teacher", "P1", "J-DUPONT"))
    assert again.snapshot.services == {("3A", "MATHS"): frozenset({"J-DUPONT"})}
    assert again.summary["enseignants"] == (1, 0) and first.summary["enseignants"] == (0, 1)


def test_subject_only_courses_and_undeclared_parts_are_not_errors(tmp_path):
    only = '<Cours Jour="3" NumeroPlaceDebut="5" NombrePlaces="1"><Matiere Ident="M2"/></Cours>'
    student = (
        '<Eleve Ident="E1" Nom="N" Prenom="A" DateNaissance="" Sexe="Feminin">'
        '<Classe Ident="C1"/><PartieDeClasse Ident="C1P9"/></Eleve>'
    )
    e = read_edt(
        export(tmp_path, '<Professeur Ident="P1" Nom="DUPONT" Prenom="Marie"/>', course(1) + only * 3, students=student)
    )
    assert e.rejections == () and (e.subject_only, e.ignored_parts) == (3, 1)
    assert e.students[0].parts == () and e.students[0].birth_date is None
    assert len(match_edt(e, VIEW, PEPPER).snapshot.sessions) == 1


def test_a_group_code_over_8_characters_sets_aside_the_group_and_its_courses_only(tmp_path):
    groups = '<Groupe Ident="G1" Nom="ALL2"><Classe Ident="C1"/></Groupe><Groupe Ident="G2" Nom="ESPAGNOL2"><Classe Ident="C1"/></Groupe>'
    on_group = (
        '<Cours Jour="4" NumeroPlaceDebut="0" NombrePlaces="1"><Matiere Ident="M1"/>'
        '<Groupe Ident="G2" Semaines="14"/></Cours>'
    )
    e = read_edt(
        export(tmp_path, '<Professeur Ident="P1" Nom="DUPONT" Prenom="Marie"/>', course(1) + on_group, groups=groups)
    )
    assert [(r.reason, r.record_id) for r in e.rejections] == [("invalid_code", "G2"), ("structure_set_aside", "")]
    assert e.set_aside.groups == ("G2",) and e.set_aside.names == {"G2": "ESPAGNOL2"}
    result = match_edt(e, VIEW, PEPPER)
    assert set(result.snapshot.groups) == {"ALL2"} and len(result.snapshot.sessions) == 1


# ---------------------------------------------------------------------------- what earlier imports applied is kept

S1 = Session(1, 0, 1, "MATHS", frozenset({"J-A", "J-B"}), frozenset({"3A"}), frozenset(), w(1, 2))
S2 = Session(2, 0, 1, "HIST", frozenset({"J-B"}), frozenset({"4B"}), frozenset(), w(1, 2))
BEFORE = Snapshot(
    services={("3A", "MATHS"): frozenset({"J-A", "J-B"}), ("4B", "HIST"): frozenset({"J-B"})},
    sessions=(S1, S2),
    classes=frozenset({"3A", "4B"}),
    teachers={"J-A": frozenset({"3A"}), "J-B": frozenset({"3A", "4B"})},
    students={"J-S1": "3A", "J-S2": "4B"},
)


def test_an_unmatched_teacher_keeps_their_services_and_sessions_and_nothing_counts():
    # The new export has the same courses, but J-B's record matched nobody.
    after = Snapshot(
        services={("3A", "MATHS"): frozenset({"J-A"}), ("4B", "HIST"): frozenset()},
        sessions=(
            Session(1, 0, 1, "MATHS", frozenset({"J-A"}), frozenset({"3A"}), frozenset(), w(1, 2)),
            Session(2, 0, 1, "HIST", frozenset(), frozenset({"4B"}), frozenset(), w(1, 2)),
        ),
        classes=frozenset({"3A", "4B"}),
        teachers={"J-A": frozenset({"3A"})},
        students={"J-S1": "3A", "J-S2": "4B"},
    )
    naive = diff(BEFORE, after)
    assert naive.services_modified and naive.sessions_removed == 2 and naive.teachers_leaving_classes == ("J-B",)
    kept = keep_set_aside(BEFORE, after, Aside(teachers=frozenset({"J-B"})))
    changes = diff(BEFORE, kept)
    assert (changes.services_modified, changes.sessions_removed, changes.teachers_leaving_classes) == ((), 0, ())
    assert kept.services == BEFORE.services and sorted(kept.sessions, key=str) == sorted(BEFORE.sessions, key=str)
    assert (
        exceeded(changes, {n: t.model_copy(update={"count": 0, "percent": 0}) for n, t in DEFAULT_THRESHOLDS.items()})
        == {}
    )


def test_a_class_set_aside_keeps_what_it_had_and_a_course_set_aside_keeps_its_session():
    after = Snapshot(
        services={("3A", "MATHS"): frozenset({"J-A", "J-B"})},
        sessions=(),
        classes=frozenset({"3A"}),
        teachers={"J-A": frozenset({"3A"}), "J-B": frozenset({"3A"})},
        students={"J-S1": "3A"},
    )
    kept = keep_set_aside(
        BEFORE,
        after,
        Aside(
            structures=frozenset({"4B"}),
            students=frozenset({"J-S2"}),
            courses=(("MATHS", frozenset({"3A"}), frozenset()),),
        ),
    )
    assert kept.services[("4B", "HIST")] == frozenset({"J-B"}) and "4B" in kept.classes
    assert set(kept.sessions) == {S1, S2} and kept.students == BEFORE.students
    assert diff(BEFORE, kept).sessions_removed == 0
    # Without the course set aside, the session of 3A is removed, as it is.
    assert diff(BEFORE, keep_set_aside(BEFORE, after, Aside(structures=frozenset({"4B"})))).sessions_removed == 1


def test_nothing_set_aside_is_the_new_timetable_itself():
    after = Snapshot(classes=frozenset({"3A"}))
    assert (
        keep_set_aside(BEFORE, after, Aside()) is after
        and keep_set_aside(None, after, Aside(teachers=frozenset({"x"}))) is after
    )


@pytest.mark.parametrize(
    "share, minimum, expected",
    [
        ({"teachers": (2, 10)}, 0, None),  # 20 %: at the limit, not above
        ({"teachers": (3, 10)}, 0, "too_many_set_aside"),
        ({"teachers": (3, 10)}, 3, None),  # not more than the minimum count
        ({"teachers": (4, 10)}, 3, "too_many_set_aside"),
        ({"courses": (0, 0), "students": (0, 5)}, 0, None),
        ({"classes_and_groups": (1, 4)}, 0, "too_many_set_aside"),
    ],
)
def test_the_share_limit_per_kind(share, minimum, expected):
    found = set_aside_refusal(
        share, {"courses": 20.0, "teachers": 20.0, "students": 20.0, "classes_and_groups": 20.0}, minimum
    )
    assert (found.reason if found else None) == expected
    if found:
        assert set(found.details["kinds"]) == {k for k, (a, r) in share.items() if r and 100 * a / r > 20}


# ---------------------------------------------------------------------------- weeks


def test_week_n_is_two_to_the_n_and_dates_follow_the_first_week():
    s = Session(3, 0, 1, "MATHS", frozenset(), frozenset({"3A"}), frozenset(), w(1, 2, 10), cancelled=w(2))
    cal = {"first_week_day": "2026-08-31", "starts_on": "2026-09-01", "ends_on": "2027-07-04"}
    assert week_mask_weeks(2) == [1] and week_mask_weeks(w(1, 2, 10) | 1) == [1, 2, 10]
    # Wednesday of weeks 1 and 10; week 2 is cancelled.
    assert session_dates(cal, s) == [date(2026, 9, 2), date(2026, 11, 4)]


def test_an_accepted_late_end_applies_the_timetable_up_to_15_july():
    cal = {"first_week_day": "2026-08-31", "starts_on": "2026-09-01", "ends_on": "2027-08-31"}
    s = Snapshot(
        sessions=(Session(1, 0, 1, "M", frozenset(), frozenset({"3A"}), frozenset(), w(*range(1, 53))),), calendar=cal
    )
    cut = until(s, date(2027, 7, 15))
    assert max(week_mask_weeks(cut.sessions[0].weeks)) == 46  # week 46 starts on 12 July 2027
    assert cut.calendar["ends_on"] == "2027-07-15"


def test_closures_alternances_and_weekly_data_come_from_the_weeks():
    year = [n for n in range(1, 45) if n not in (8, 9, 17, 18)]
    odd = [n for n in year if n % 2]
    before = Snapshot(
        sessions=(
            Session(1, 0, 1, "MATHS", frozenset({"T"}), frozenset({"3A"}), frozenset(), w(*year)),
            Session(1, 1, 1, "MATHS", frozenset({"T"}), frozenset({"3A"}), frozenset(), w(*year)),
        )
    )
    after = Snapshot(
        sessions=(
            Session(1, 0, 1, "MATHS", frozenset({"T"}), frozenset({"3A"}), frozenset(), w(*year), cancelled=w(10)),
            Session(1, 1, 1, "MATHS", frozenset({"T"}), frozenset({"3A"}), frozenset(), w(*year)),
            Session(
                2,
                0,
                1,
                "HIST",
                frozenset({"T"}),
                frozenset({"4B"}),
                frozenset(),
                w(*odd),
                included=w(12),
                replacing=frozenset({"T"}),
            ),
        ),
        calendar={"first_week_day": "2026-08-31", "starts_on": "2026-09-01", "ends_on": "2027-07-04"},
    )
    assert closures(after) == {(8, 9), (17, 18)}
    assert alternances(before) == {} and alternances(after) == {("4B", "HIST"): frozenset({w(*odd)})}
    assert weekly(after) == {"cancellations": 1, "replacements": 1}
    sections = bilan(diff(before, after), {}, after=after, before=before)
    assert sections["Alternances"][0] == "1 alternance ajoutée"
    assert sections["Périodes de fermeture"][:2] == [
        "0 période de fermeture ajoutée",
        "0 période de fermeture supprimée",
    ]
    first = bilan(diff(None, after), {}, after=after)["Périodes de fermeture"]
    assert first[0] == "2 périodes de fermeture ajoutées"
    assert "ajoutée : du 19/10/2026 au 01/11/2026 (semaines 8 à 9)" in first
    assert (
        sections["Bilan des données « emploi du temps à la semaine »"][3].strip()
        == "Écart depuis l'import précédent : 1 annulation de cours en plus"
    )


def test_the_share_limits_are_configurable_per_kind_and_checked():
    from pydantic import ValidationError

    from events.policy import Policy

    limits = Policy(timetable_set_aside_limits={"teachers": 10}).timetable_set_aside_limits
    assert limits == {"courses": 20.0, "teachers": 10, "students": 20.0, "classes_and_groups": 20.0}
    with pytest.raises(ValidationError, match="unknown kind rooms"):
        Policy(timetable_set_aside_limits={"rooms": 10})
    with pytest.raises(ValidationError, match="between 0 and 100"):
        Policy(timetable_set_aside_limits={"courses": 150})
