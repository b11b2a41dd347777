"""Timetable imports (domain-rules §7): what changed since the previous
import of an establishment, the thresholds that reject an automated import,
and the report (bilan) in the establishments' French.

Pure: a snapshot is built by the adapter side from a parsed and matched
export; timetable idents are only meaningful inside one import
(domain-rules §11), so snapshots speak in matched keys (class and group
codes, teacher STS ids or account jointures, subject codes).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Session:
    """One weekly course slot as the timetable gives it."""

    day: int
    start: int
    places: int
    subject: str
    teachers: frozenset[str]
    classes: frozenset[str]
    groups: frozenset[str]
    weeks: int


@dataclass(frozen=True)
class Snapshot:
    subjects: dict[str, str] = field(default_factory=dict)            # code → label
    services: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # (class or group, subject) → teachers
    sessions: tuple[Session, ...] = ()
    classes: frozenset[str] = frozenset()
    groups: dict[str, frozenset[str]] = field(default_factory=dict)   # group code → classes it is made of
    students: dict[str, str] = field(default_factory=dict)            # student key → class code
    teachers: dict[str, frozenset[str]] = field(default_factory=dict)  # teacher key → classes and groups taught


@dataclass(frozen=True)
class Changes:
    subjects_added: tuple[str, ...]
    subjects_modified: tuple[str, ...]
    services_added: tuple[tuple[str, str], ...]
    services_modified: tuple[tuple[str, str], ...]
    services_deleted: tuple[tuple[str, str], ...]
    sessions_removed: int
    sessions_before: int
    groups_created: tuple[str, ...]
    groups_renamed: tuple[tuple[str, str], ...]
    students_leaving_classes: tuple[str, ...]
    teachers_leaving_classes: tuple[str, ...]
    structures_deleted_with_sessions: tuple[str, ...]
    totals: dict[str, int]

    def count(self, name: str) -> int:
        value = getattr(self, name)
        return value if isinstance(value, int) else len(value)


def diff(before: Snapshot | None, after: Snapshot) -> Changes:
    """What ``after`` changes relative to the previous applied import."""
    b = before or Snapshot()
    sessions_after = Counter(after.sessions)
    removed = Counter(b.sessions) - sessions_after
    gone_groups = {g: comp for g, comp in b.groups.items() if g not in after.groups}
    new_groups = {g: comp for g, comp in after.groups.items() if g not in b.groups}
    renamed = []
    for old, comp in sorted(gone_groups.items()):
        twin = next((g for g, c in sorted(new_groups.items()) if c == comp), None)
        if twin is not None:
            renamed.append((old, twin))
            del new_groups[twin]
    renamed_old = {old for old, _ in renamed}
    used = {c for s in b.sessions for c in s.classes | s.groups}
    deleted_structures = sorted(
        s for s in (set(b.classes) - set(after.classes)) | (set(b.groups) - set(after.groups) - renamed_old)
        if s in used)
    return Changes(
        subjects_added=tuple(sorted(set(after.subjects) - set(b.subjects))),
        subjects_modified=tuple(sorted(c for c in after.subjects if c in b.subjects and b.subjects[c] != after.subjects[c])),
        services_added=tuple(sorted(set(after.services) - set(b.services))),
        services_modified=tuple(sorted(k for k in after.services if k in b.services and b.services[k] != after.services[k])),
        services_deleted=tuple(sorted(set(b.services) - set(after.services))),
        sessions_removed=sum(removed.values()),
        sessions_before=len(b.sessions),
        groups_created=tuple(sorted(new_groups)),
        groups_renamed=tuple(renamed),
        students_leaving_classes=tuple(sorted(k for k, c in b.students.items() if after.students.get(k) != c)),
        teachers_leaving_classes=tuple(sorted(k for k, cs in b.teachers.items() if not cs <= after.teachers.get(k, frozenset()))),
        structures_deleted_with_sessions=tuple(deleted_structures),
        totals={"services_modified": len(b.services), "services_deleted": len(b.services),
                "sessions_removed": len(b.sessions), "groups_renamed": len(b.groups),
                "students_leaving_classes": len(b.students), "teachers_leaving_classes": len(b.teachers),
                "structures_deleted_with_sessions": len(b.classes) + len(b.groups)},
    )


class Threshold(BaseModel):
    """Exceeded when both the count and the share are exceeded (domain-rules §11)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    count: int = Field(ge=0)
    percent: float = Field(ge=0, le=100)
    liftable: bool = True


# The last one protects the structure of the cahier de textes: never liftable (001 §3.4).
DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "services_modified": Threshold(count=50, percent=20),
    "services_deleted": Threshold(count=20, percent=10),
    "sessions_removed": Threshold(count=200, percent=20),
    "groups_renamed": Threshold(count=5, percent=10),
    "students_leaving_classes": Threshold(count=30, percent=10),
    "teachers_leaving_classes": Threshold(count=10, percent=10),
    "structures_deleted_with_sessions": Threshold(count=0, percent=0, liftable=False),
}


class LockedThreshold(ValueError):
    """An operator tried to lift a threshold that can never be lifted."""


def exceeded(changes: Changes, thresholds: dict[str, Threshold], lifted: frozenset[str] = frozenset()) -> dict[str, dict]:
    """Thresholds the import goes over, minus those lifted for this import."""
    locked = sorted(n for n in lifted if n in thresholds and not thresholds[n].liftable)
    if locked:
        raise LockedThreshold(f"threshold {', '.join(locked)} protects the structure of the cahier de textes "
                              "and can never be lifted (domain-rules §7)")
    unknown = sorted(set(lifted) - set(thresholds))
    if unknown:
        raise ValueError(f"unknown threshold {', '.join(unknown)}; known: {', '.join(sorted(thresholds))}")
    over = {}
    for name, t in thresholds.items():
        n, total = changes.count(name), changes.totals.get(name, 0)
        share = 100.0 * n / total if total else (100.0 if n else 0.0)
        if n > t.count and share > t.percent and name not in lifted:
            over[name] = {"count": n, "total": total, "percent": round(share, 1),
                          "limit_count": t.count, "limit_percent": t.percent, "liftable": t.liftable}
    return over


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k <= 1 else many}"


def report(changes: Changes, matched: dict[str, tuple[int, int]]) -> dict[str, list[str]]:
    """The bilan, section by section, in the labels of seed 004. ``matched``
    gives (imported, not imported) for 'classes', 'groupes' and 'enseignants'.
    Closure periods (périodes de fermeture) are not in the snapshot yet: the
    section is left out rather than printed with made-up zeros."""
    cls, grp, ens = (matched.get(k, (0, 0)) for k in ("classes", "groupes", "enseignants"))
    return {
        "Matières": [_n(len(changes.subjects_added), "matière ajoutée", "matières ajoutées"),
                     _n(len(changes.subjects_modified), "matière modifiée", "matières modifiées")],
        "Services d'enseignement": [
            _n(len(changes.services_added), "service d'enseignement ajouté", "services d'enseignement ajoutés"),
            _n(len(changes.services_modified), "service d'enseignement modifié", "services d'enseignement modifiés"),
            _n(len(changes.services_deleted), "service d'enseignement supprimé", "services d'enseignement supprimés"),
            _n(changes.sessions_removed, "séance en moins", "séances en moins") + " depuis l'import précédent"],
        "Classes / Services d'enseignement": [
            _n(cls[0], "classe dont les services ont été importés", "classes dont les services ont été importés"),
            _n(cls[1], "classe dont les services n'ont pas été importés", "classes dont les services n'ont pas été importés")],
        "Groupes d'option / Services d'enseignement": [
            _n(grp[0], "groupe d'option dont les services ont été importés", "groupes d'option dont les services ont été importés"),
            _n(grp[1], "groupe d'option dont les services n'ont pas été importés", "groupes d'option dont les services n'ont pas été importés")],
        "Enseignants / Cours": [
            _n(ens[0], "enseignant dont les cours ont été importés", "enseignants dont les cours ont été importés"),
            _n(ens[1], "enseignant dont les cours n'ont pas été importés", "enseignants dont les cours n'ont pas été importés")],
        "Gestion des classes et groupes d'option": [
            _n(len(changes.groups_created), "groupe d'option à créer", "groupes d'option à créer"),
            _n(len(changes.groups_renamed), "groupe d'option à renommer", "groupes d'option à renommer")],
    }


def report_text(title: str, sections: dict[str, list[str]]) -> str:
    lines = [title, ""]
    for name, items in sections.items():
        lines.append(f"- {name}")
        lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)
