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
from datetime import date

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
    # group code → student keys: how option 2 populates groups (domain-rules §2); not compared by diff.
    group_members: dict[str, frozenset[str]] = field(default_factory=dict)


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


# ---------------------------------------------------------------------------- stored form

def snapshot_to_dict(s: Snapshot) -> dict:
    """A JSON-able, canonical (sorted) form of a snapshot, to record in an
    event. Week masks are strings: they may exceed what JSON readers other
    than Python hold exactly (unsigned 64 bits, formats §4)."""
    return {
        "subjects": dict(sorted(s.subjects.items())),
        "services": [[k[0], k[1], sorted(v)] for k, v in sorted(s.services.items())],
        "sessions": sorted([x.day, x.start, x.places, x.subject, sorted(x.teachers), sorted(x.classes),
                            sorted(x.groups), str(x.weeks)] for x in s.sessions),
        "classes": sorted(s.classes),
        "groups": {g: sorted(c) for g, c in sorted(s.groups.items())},
        "students": dict(sorted(s.students.items())),
        "teachers": {t: sorted(c) for t, c in sorted(s.teachers.items())},
        "group_members": {g: sorted(m) for g, m in sorted(s.group_members.items())},
    }


def snapshot_from_dict(d: dict | None) -> Snapshot | None:
    """The inverse of :func:`snapshot_to_dict`; None for an empty record."""
    if not d:
        return None
    return Snapshot(
        subjects=dict(d.get("subjects", {})),
        services={(k, subject): frozenset(t) for k, subject, t in d.get("services", [])},
        sessions=tuple(Session(day, start, places, subject, frozenset(t), frozenset(c), frozenset(g), int(w))
                       for day, start, places, subject, t, c, g, w in d.get("sessions", [])),
        classes=frozenset(d.get("classes", [])),
        groups={g: frozenset(c) for g, c in d.get("groups", {}).items()},
        students=dict(d.get("students", {})),
        teachers={t: frozenset(c) for t, c in d.get("teachers", {}).items()},
        group_members={g: frozenset(m) for g, m in d.get("group_members", {}).items()},
    )


def changes_counts(changes: Changes) -> dict[str, int]:
    """How many of each change, for the history and the metrics."""
    names = ("subjects_added", "subjects_modified", "services_added", "services_modified", "services_deleted",
             "sessions_removed", "groups_created", "groups_renamed", "students_leaving_classes",
             "teachers_leaving_classes", "structures_deleted_with_sessions")
    return {n: changes.count(n) for n in names}


# ---------------------------------------------------------------------------- school year

def school_year_of(day: date) -> int:
    """The school year (its first calendar year) a day belongs to: from July on,
    the year that starts; before, the one that started the previous autumn."""
    return day.year if day.month >= 7 else day.year - 1


def end_date_limit_of(school_year: int) -> date:
    """The latest accepted end of a school year: 15 July (domain-rules §7; 001
    §3.6), since a later end empties classes while students sit resit exams."""
    return date(school_year + 1, 7, 15)


# ---------------------------------------------------------------------------- French labels

# Status of an import in the history (001 §3.4), by status or rejection reason.
STATUS_LABELS = {
    "applied": "Import réalisé avec succès",
    "awaiting_validation": "En attente de validation",
    "received": "Reçu",
    "duplicate_file": "Rejet - Double du fichier d'import",
    "threshold_exceeded": "Rejet - Seuils de modifications dépassés",
    "unknown_uai": "Rejet - Établissement inconnu",
    "end_date_after_15_july": "Rejet - Fin d'année postérieure au 15 juillet",
    "invalid_code": "Rejet - Code de classe ou de groupe invalide",
    "invalid_record": "Rejet - Enregistrement invalide",
    "edt_sts_instead_of_sts": "Rejet - Fichier EDT_STS au lieu de l'export STS-web",
}
REJECTED_LABEL = "Rejet - Fichier invalide"

THRESHOLD_LABELS = {
    "services_modified": "services d'enseignement modifiés",
    "services_deleted": "services d'enseignement supprimés",
    "sessions_removed": "séances en moins",
    "groups_renamed": "groupes d'option renommés",
    "students_leaving_classes": "élèves quittant leur classe",
    "teachers_leaving_classes": "enseignants quittant une classe ou un groupe",
    "structures_deleted_with_sessions": "classes ou groupes supprimés alors qu'ils portent des séances "
                                        "(protection de la structure du cahier de textes)",
}


def status_label(status: str, reason: str = "") -> str:
    """The history's French label of an import (001 §3.4)."""
    if status == "rejected":
        return STATUS_LABELS.get(reason, REJECTED_LABEL)
    return STATUS_LABELS.get(status, status)


def _fr_number(x: float) -> str:
    return (f"{x:.1f}".rstrip("0").rstrip(".")).replace(".", ",")


def thresholds_section(over: dict[str, dict]) -> list[str]:
    """Lines of the bilan naming each exceeded threshold (domain-rules §7)."""
    lines = []
    for name, o in sorted(over.items()):
        line = (f"{name} ({THRESHOLD_LABELS.get(name, name)}) : {o['count']} sur {o['total']}, soit "
                f"{_fr_number(o['percent'])} % ; seuil {o['limit_count']} et {_fr_number(o['limit_percent'])} %")
        lines.append(line + (" ; ce seuil ne peut jamais être levé" if not o.get("liftable", True) else ""))
    return lines


# ---------------------------------------------------------------------------- decisions

@dataclass(frozen=True)
class Refusal:
    """Why an import is rejected before any comparison; ``reason`` is stable."""

    reason: str
    message: str
    details: dict = field(default_factory=dict)


def refusal(*, uai: str, uai_known: bool, copies: list[dict], school_year: int, ends_on: date | None,
            record_rejections: list) -> Refusal | None:
    """The checks of domain-rules §7 that come before the comparison, in
    order: an unknown establishment; a byte-identical copy of an earlier
    import of that UAI ("Rejet - Double du fichier d'import", 001 §3.4); an
    end of year after 15 July (001 §3.6); a class or group code breaking
    domain-rules §2; any other record the adapter set aside (a timetable is
    applied whole or not at all). ``copies`` are the earlier imports with the
    same bytes; ``record_rejections`` the adapter's Rejections."""
    if not uai_known:
        return Refusal("unknown_uai", f"establishment {uai} is not in the directory (no AAF structure with this UAI)",
                       {"uai": uai})
    if copies:
        first = copies[0]
        return Refusal("duplicate_file", f"the file is byte-identical to import {first['import_id']} "
                       f"({first['file']}, received {first['received_at']}); nothing applied",
                       {"copy_of": [c["import_id"] for c in copies]})
    limit = end_date_limit_of(school_year)
    if ends_on is not None and ends_on > limit:
        return Refusal("end_date_after_15_july", f"the school year ends on {ends_on.isoformat()}, later than "
                       f"{limit.isoformat()}: an end after 15 July would empty classes and mailing lists while "
                       "students sit resit exams", {"ends_on": ends_on.isoformat(), "limit": limit.isoformat()})
    if record_rejections:
        codes = [r for r in record_rejections if r.reason == "invalid_code"]
        chosen = codes or list(record_rejections)
        what = ("class or group code(s) break the rules of domain-rules §2 (at most 8 letters, digits, space, "
                "- or _)" if codes else "record(s) were set aside")
        return Refusal("invalid_code" if codes else "invalid_record",
                       f"{len(chosen)} {what}; first: {chosen[0].describe()}",
                       {"count": len(chosen), "records": [r.describe() for r in chosen[:50]]})
    return None


@dataclass(frozen=True)
class Decision:
    outcome: str  # awaiting_validation | applied | rejected
    changes: Changes
    over: dict[str, dict]


def decide(before: Snapshot | None, after: Snapshot, first_of_year: bool, thresholds: dict[str, Threshold],
           lifted: frozenset[str] = frozenset()) -> Decision:
    """The first import of a school year waits for an operator; a later one is
    applied unless it goes over a threshold not lifted (domain-rules §7, §11).
    ``before`` is the last applied timetable of the same school year."""
    changes = diff(before, after)
    if first_of_year:
        return Decision("awaiting_validation", changes, {})
    over = exceeded(changes, thresholds, lifted)
    return Decision("rejected" if over else "applied", changes, over)


def bilan(changes: Changes, summary: dict[str, tuple[int, int]], over: dict[str, dict] | None = None) -> dict[str, list[str]]:
    """The report (seed 004's sections), with the exceeded thresholds when any."""
    sections = report(changes, summary)
    if over:
        sections["Seuils dépassés"] = thresholds_section(over)
    return sections
