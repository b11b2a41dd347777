"""Timetable import rules (domain-rules §7, §11): changes since the previous
import, thresholds (count AND share, one never liftable), the French report."""

from __future__ import annotations

import pytest

from events.timetable.changes import diff
from events.timetable.decision import DEFAULT_THRESHOLDS, LockedThreshold, Threshold, exceeded
from events.timetable.labels import report, report_text
from events.timetable.snapshot import Session, Snapshot


def session(day, start, cls="3A", group=None, teacher="T1", subject="MATHS", weeks=0xFFFF):
    return Session(
        day,
        start,
        1,
        subject,
        frozenset({teacher}),
        frozenset({cls} if cls else ()),
        frozenset({group} if group else ()),
        weeks,
    )


BASE = Snapshot(
    subjects={"MATHS": "Mathématiques", "FRANC": "Français"},
    services={
        ("3A", "MATHS"): frozenset({"T1"}),
        ("3A", "FRANC"): frozenset({"T2"}),
        ("ESP2", "ESP"): frozenset({"T3"}),
    },
    sessions=tuple(session(d, s) for d in range(1, 6) for s in range(1, 5))
    + (session(1, 6, cls=None, group="ESP2", teacher="T3"),),
    classes=frozenset({"3A", "3B"}),
    groups={"ESP2": frozenset({"3A", "3B"})},
    students={f"E{i}": "3A" if i < 20 else "3B" for i in range(40)},
    teachers={"T1": frozenset({"3A"}), "T2": frozenset({"3A"}), "T3": frozenset({"ESP2"})},
)


def test_an_identical_import_changes_nothing_and_passes():
    changes = diff(BASE, BASE)
    assert changes.sessions_removed == 0 and not changes.services_modified and not changes.groups_renamed
    assert exceeded(changes, DEFAULT_THRESHOLDS) == {}


def test_first_import_has_nothing_to_compare():
    changes = diff(None, BASE)
    assert len(changes.services_added) == 3 and changes.sessions_removed == 0
    assert exceeded(changes, DEFAULT_THRESHOLDS) == {}


def test_services_sessions_and_group_renames_are_counted():
    after = Snapshot(
        subjects={"MATHS": "Maths", "FRANC": "Français", "HG": "Histoire"},
        services={("3A", "MATHS"): frozenset({"T9"}), ("ESP_2", "ESP"): frozenset({"T3"})},
        sessions=BASE.sessions[:10] + (session(1, 6, cls=None, group="ESP_2", teacher="T3"),),
        classes=BASE.classes,
        groups={"ESP_2": frozenset({"3A", "3B"})},
        students={**BASE.students, "E1": "3B"},
        teachers={"T1": frozenset(), "T2": frozenset({"3A"}), "T3": frozenset({"ESP_2"})},
    )
    c = diff(BASE, after)
    assert c.subjects_added == ("HG",) and c.subjects_modified == ("MATHS",)
    assert c.services_modified == (("3A", "MATHS"),)
    assert set(c.services_deleted) == {("3A", "FRANC"), ("ESP2", "ESP")}
    assert c.sessions_removed == 11 and c.sessions_before == 21
    assert c.groups_renamed == (("ESP2", "ESP_2"),) and c.groups_created == ()
    assert c.students_leaving_classes == ("E1",)
    assert set(c.teachers_leaving_classes) == {"T1", "T3"}
    assert c.structures_deleted_with_sessions == ()  # a rename is not a deletion


@pytest.mark.parametrize("removed, expected", [(0, False), (4, False), (10, True)])
def test_threshold_needs_both_count_and_share(removed, expected):
    after = Snapshot(**{**BASE.__dict__, "sessions": BASE.sessions[removed:]})
    thresholds = {"sessions_removed": Threshold(count=3, percent=25)}  # 21 sessions before
    assert ("sessions_removed" in exceeded(diff(BASE, after), thresholds)) is expected


def test_lifting_a_threshold_for_one_import():
    after = Snapshot(**{**BASE.__dict__, "sessions": ()})
    thresholds = {"sessions_removed": Threshold(count=3, percent=25)}
    assert "sessions_removed" in exceeded(diff(BASE, after), thresholds)
    assert exceeded(diff(BASE, after), thresholds, frozenset({"sessions_removed"})) == {}


def test_structure_protection_can_never_be_lifted():
    after = Snapshot(**{**BASE.__dict__, "classes": frozenset({"3B"}), "sessions": BASE.sessions[-1:]})
    changes = diff(BASE, after)
    assert changes.structures_deleted_with_sessions == ("3A",)
    over = exceeded(changes, DEFAULT_THRESHOLDS, frozenset({"sessions_removed"}))
    assert over["structures_deleted_with_sessions"]["liftable"] is False
    with pytest.raises(LockedThreshold, match="never be lifted"):
        exceeded(changes, DEFAULT_THRESHOLDS, frozenset({"structures_deleted_with_sessions"}))


def test_unknown_threshold_name_is_refused():
    with pytest.raises(ValueError, match="unknown threshold"):
        exceeded(diff(BASE, BASE), DEFAULT_THRESHOLDS, frozenset({"sessions"}))


def test_report_in_french_with_seed_labels():
    after = Snapshot(**{**BASE.__dict__, "sessions": BASE.sessions[2:]})
    sections = report(diff(BASE, after), {"classes": (16, 1), "groupes": (89, 0), "enseignants": (34, 3)})
    text = report_text("Bilan préliminaire d'import", sections)
    assert "2 séances en moins depuis l'import précédent" in text
    assert "16 classes dont les services ont été importés" in text
    assert "1 classe dont les services n'ont pas été importés" in text
    assert "3 enseignants dont les cours n'ont pas été importés" in text
    assert "0 groupe d'option à renommer" in text
    assert list(sections)[:2] == ["Matières", "Services d'enseignement"]
