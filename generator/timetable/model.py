"""One timetable export as data (so that the variants are edits of it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# The grid of every export: places (hours) a day and when each starts.
PLACES_PER_DAY = 8
PLACES = ("08:00", "09:00", "10:05", "11:05", "13:30", "14:30", "15:35", "16:35")
# --edt-shape: "current" exports carry IDSTS and birth dates for teachers;
# "legacy" (older Index exports, formats §4) only Ident, Nom, Prenom and IdPN.
EDT_SHAPES = {"current": "2026.0.1", "legacy": "2019.0.2.1"}  # shape -> root @Version


@dataclass
class Course:
    day: int
    place: int
    subject: str  # Matiere ident
    teachers: tuple[str, ...]  # Professeur idents
    classes: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    room: str = ""
    weeks: int = 0  # @Semaines: week n is the value 2**n (0: a subject-only course)
    service: tuple[str, str] = ("", "")  # (class/group code, subject code): for the variants


@dataclass
class Timetable:
    """One timetable export, as data (so that variants are edits of it)."""

    uai: str
    start: date
    end: date
    week1: date
    subjects: list[tuple[str, str, str]]  # ident, code, label
    teachers: list[tuple[str, str, str, str, str]]  # ident, nom, prénom, birth ISO, IDSTS
    rooms: list[tuple[str, str]]
    classes: list[tuple[str, str, tuple[str, ...]]]  # ident, name, parts
    groups: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]  # ident, name, classes, parts
    students: list[dict]
    courses: list[Course] = field(default_factory=list)
    shape: str = "current"  # EDT_SHAPES: how edt_xml writes it


def subject_only(c: Course) -> bool:
    """A course holding only a subject: valid, nothing to apply (formats §4)."""
    return not (c.teachers or c.classes or c.parts or c.groups)
