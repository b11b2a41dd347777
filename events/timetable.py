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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from adapters.timetable.records import weeks_of


@dataclass(frozen=True)
class Session:
    """One weekly course slot as the timetable gives it. ``weeks`` is the
    export's mask: week *n* is the value 2ⁿ (formats §4). What happens in
    single weeks — lessons cancelled (``@SemainesAnnulation``), a teacher
    included for some weeks (``@SemainesInclusion``, a replacement) — is
    reported but is not the weekly structure: it does not make a session
    differ from the previous import's."""

    day: int
    start: int
    places: int
    subject: str
    teachers: frozenset[str]
    classes: frozenset[str]
    groups: frozenset[str]
    weeks: int
    cancelled: int = field(default=0, compare=False)
    included: int = field(default=0, compare=False)
    replacing: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class Snapshot:
    subjects: dict[str, str] = field(default_factory=dict)  # code → label
    services: dict[tuple[str, str], frozenset[str]] = field(
        default_factory=dict
    )  # (class or group, subject) → teachers
    sessions: tuple[Session, ...] = ()
    classes: frozenset[str] = frozenset()
    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # group code → classes it is made of
    students: dict[str, str] = field(default_factory=dict)  # student key → class code
    teachers: dict[str, frozenset[str]] = field(default_factory=dict)  # teacher key → classes and groups taught
    # group code → student keys: how option 2 populates groups (domain-rules §2); not compared by diff.
    group_members: dict[str, frozenset[str]] = field(default_factory=dict)
    # starts_on, ends_on, first_week_day (ISO dates): where week n falls (EDT only).
    calendar: dict[str, str] = field(default_factory=dict)


# The weeks of a mask: week *n* is the value 2ⁿ, bit 0 unused (formats §4).
week_mask_weeks = weeks_of


def week_runs(weeks: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive weeks as (first, last) runs: 1, 2, 3, 5 → (1, 3), (5, 5)."""
    runs: list[tuple[int, int]] = []
    for w in sorted(set(weeks)):
        if runs and w == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], w)
        else:
            runs.append((w, w))
    return runs


def week_start(calendar: dict[str, str], week: int) -> date:
    """The first day of school week ``week``: DatePremierJourSemaine1 + (week − 1) weeks."""
    return date.fromisoformat(calendar["first_week_day"]) + timedelta(weeks=week - 1)


def session_dates(calendar: dict[str, str], s: Session) -> list[date]:
    """The dates a session takes place on (cancelled weeks left out)."""
    if not calendar.get("first_week_day"):
        return []
    return [week_start(calendar, w) + timedelta(days=s.day - 1) for w in week_mask_weeks(s.weeks & ~s.cancelled)]


def until(s: Snapshot, last_day: date) -> Snapshot:
    """``s`` applied up to ``last_day`` only: the weeks that start after it
    leave every session, and the calendar ends there (an end of year after 15
    July that the validating operator accepted, domain-rules §7)."""
    if not s.calendar.get("first_week_day"):
        return s
    keep = 0
    for w in range(1, 64):
        if week_start(s.calendar, w) <= last_day:
            keep |= 1 << w
    sessions = tuple(
        replace(x, weeks=x.weeks & keep, cancelled=x.cancelled & keep, included=x.included & keep) for x in s.sessions
    )
    ends = min(date.fromisoformat(s.calendar["ends_on"]), last_day).isoformat() if s.calendar.get("ends_on") else ""
    return replace(s, sessions=sessions, calendar={**s.calendar, "ends_on": ends})


# ---------------------------------------------------------------------------- records not imported


@dataclass(frozen=True)
class Aside:
    """Keys of the last applied timetable whose records are not imported now
    (set aside by the reader, matched to nobody, or going with a class or
    group set aside): teachers and students by key, classes and groups by
    code, courses by (subject, class codes, group codes)."""

    teachers: frozenset[str] = frozenset()
    students: frozenset[str] = frozenset()
    structures: frozenset[str] = frozenset()
    courses: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = ()


def keep_set_aside(before: Snapshot | None, after: Snapshot, aside: Aside) -> Snapshot:
    """``after`` with what ``before`` applied for the records not imported now
    left untouched (domain-rules §12): an unmatched teacher keeps the services
    and sessions earlier imports gave them, a class set aside keeps its
    services, sessions, members; a course set aside keeps its sessions. So
    none of it is a change, and none of it counts in a threshold."""
    if before is None:
        return after
    teachers_out, structures = aside.teachers, aside.structures
    if not (teachers_out or aside.students or structures or aside.courses):
        return after

    def on_structure(s: Session) -> bool:
        return bool((s.classes | s.groups) & structures)

    services = dict(after.services)
    for (code, subject), tb in before.services.items():
        if code in structures:
            services[(code, subject)] = tb
        elif tb & teachers_out:
            services[(code, subject)] = services.get((code, subject), frozenset()) | (tb & teachers_out)
    # Sessions: those of a structure set aside are kept as they were; a
    # session of an unmatched teacher is the same session without them, and
    # gets them back; a session of a course set aside is kept.
    new = [s for s in after.sessions if not on_structure(s)]
    old_pool = Counter(s for s in before.sessions if not on_structure(s))
    unmatched_new = Counter(new) - old_pool
    restored: list[Session] = []
    leftovers = list((old_pool - Counter(new)).elements())
    for s in sorted(leftovers, key=_session_order):
        if not s.teachers & teachers_out:
            continue
        bare = replace(s, teachers=s.teachers - teachers_out)
        if unmatched_new[bare] > 0:
            unmatched_new[bare] -= 1
            restored.append(s)
            new.remove(bare)
    sessions = new + restored + [s for s in before.sessions if on_structure(s)]
    missing = Counter(before.sessions) - Counter(sessions)
    wanted = Counter(aside.courses)
    for s in sorted(missing.elements(), key=_session_order):
        sig = (s.subject, s.classes, s.groups)
        if wanted[sig] > 0:
            wanted[sig] -= 1
            sessions.append(s)
    teachers = dict(after.teachers)
    for k in teachers_out:
        if k in before.teachers:
            teachers[k] = before.teachers[k]
    students = dict(after.students)
    for k in aside.students:
        if k in before.students:
            students[k] = before.students[k]
    groups = dict(after.groups)
    members = {g: set(m) for g, m in after.group_members.items()}
    for g, comp in before.groups.items():
        if g in structures:
            groups[g] = comp
            members[g] = set(before.group_members.get(g, ()))
    for g, m in before.group_members.items():
        if g not in structures and g in members:
            members[g] |= m & aside.students
    classes = after.classes | (before.classes & structures)
    return replace(
        after,
        services=services,
        sessions=tuple(sessions),
        classes=classes,
        groups=groups,
        students=students,
        teachers=teachers,
        group_members={g: frozenset(m) for g, m in members.items()},
    )


def _session_order(s: Session) -> tuple[int, int, int, str, list[str], list[str], list[str], int]:
    return (s.day, s.start, s.places, s.subject, sorted(s.teachers), sorted(s.classes), sorted(s.groups), s.weeks)


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
        s
        for s in (set(b.classes) - set(after.classes)) | (set(b.groups) - set(after.groups) - renamed_old)
        if s in used
    )
    return Changes(
        subjects_added=tuple(sorted(set(after.subjects) - set(b.subjects))),
        subjects_modified=tuple(
            sorted(c for c in after.subjects if c in b.subjects and b.subjects[c] != after.subjects[c])
        ),
        services_added=tuple(sorted(set(after.services) - set(b.services))),
        services_modified=tuple(
            sorted(k for k in after.services if k in b.services and b.services[k] != after.services[k])
        ),
        services_deleted=tuple(sorted(set(b.services) - set(after.services))),
        sessions_removed=sum(removed.values()),
        sessions_before=len(b.sessions),
        groups_created=tuple(sorted(new_groups)),
        groups_renamed=tuple(renamed),
        students_leaving_classes=tuple(sorted(k for k, c in b.students.items() if after.students.get(k) != c)),
        teachers_leaving_classes=tuple(
            sorted(k for k, cs in b.teachers.items() if not cs <= after.teachers.get(k, frozenset()))
        ),
        structures_deleted_with_sessions=tuple(deleted_structures),
        totals={
            "services_modified": len(b.services),
            "services_deleted": len(b.services),
            "sessions_removed": len(b.sessions),
            "groups_renamed": len(b.groups),
            "students_leaving_classes": len(b.students),
            "teachers_leaving_classes": len(b.teachers),
            "structures_deleted_with_sessions": len(b.classes) + len(b.groups),
        },
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


def exceeded(
    changes: Changes, thresholds: dict[str, Threshold], lifted: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Thresholds the import goes over, minus those lifted for this import."""
    locked = sorted(n for n in lifted if n in thresholds and not thresholds[n].liftable)
    if locked:
        raise LockedThreshold(
            f"threshold {', '.join(locked)} protects the structure of the cahier de textes "
            "and can never be lifted (domain-rules §7)"
        )
    unknown = sorted(set(lifted) - set(thresholds))
    if unknown:
        raise ValueError(f"unknown threshold {', '.join(unknown)}; known: {', '.join(sorted(thresholds))}")
    over = {}
    for name, t in thresholds.items():
        n, total = changes.count(name), changes.totals.get(name, 0)
        share = 100.0 * n / total if total else (100.0 if n else 0.0)
        if n > t.count and share > t.percent and name not in lifted:
            over[name] = {
                "count": n,
                "total": total,
                "percent": round(share, 1),
                "limit_count": t.count,
                "limit_percent": t.percent,
                "liftable": t.liftable,
            }
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
        "Matières": [
            _n(len(changes.subjects_added), "matière ajoutée", "matières ajoutées"),
            _n(len(changes.subjects_modified), "matière modifiée", "matières modifiées"),
        ],
        "Services d'enseignement": [
            _n(len(changes.services_added), "service d'enseignement ajouté", "services d'enseignement ajoutés"),
            _n(len(changes.services_modified), "service d'enseignement modifié", "services d'enseignement modifiés"),
            _n(len(changes.services_deleted), "service d'enseignement supprimé", "services d'enseignement supprimés"),
            _n(changes.sessions_removed, "séance en moins", "séances en moins") + " depuis l'import précédent",
        ],
        "Classes / Services d'enseignement": [
            _n(cls[0], "classe dont les services ont été importés", "classes dont les services ont été importés"),
            _n(
                cls[1],
                "classe dont les services n'ont pas été importés",
                "classes dont les services n'ont pas été importés",
            ),
        ],
        "Groupes d'option / Services d'enseignement": [
            _n(
                grp[0],
                "groupe d'option dont les services ont été importés",
                "groupes d'option dont les services ont été importés",
            ),
            _n(
                grp[1],
                "groupe d'option dont les services n'ont pas été importés",
                "groupes d'option dont les services n'ont pas été importés",
            ),
        ],
        "Enseignants / Cours": [
            _n(ens[0], "enseignant dont les cours ont été importés", "enseignants dont les cours ont été importés"),
            _n(
                ens[1],
                "enseignant dont les cours n'ont pas été importés",
                "enseignants dont les cours n'ont pas été importés",
            ),
        ],
        "Gestion des classes et groupes d'option": [
            _n(len(changes.groups_created), "groupe d'option à créer", "groupes d'option à créer"),
            _n(len(changes.groups_renamed), "groupe d'option à renommer", "groupes d'option à renommer"),
        ],
    }


# The bilan's title by the import's status (seed 004), shared by the CLI and
# the inbox's outcome files.
BILAN_TITLES = {
    "awaiting_validation": "Bilan préliminaire d'import des données d'emploi du temps (à valider)",
    "rejected": "Bilan de l'import rejeté (rien n'a été appliqué)",
}
BILAN_TITLE = "Bilan de l'import des données d'emploi du temps"


def bilan_title(status: str) -> str:
    return BILAN_TITLES.get(status, BILAN_TITLE)


def report_text(title: str, sections: dict[str, list[str]]) -> str:
    lines = [title, ""]
    for name, items in sections.items():
        lines.append(f"- {name}")
        lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- stored form


def snapshot_to_dict(s: Snapshot) -> dict[str, Any]:
    """A JSON-able, canonical (sorted) form of a snapshot, to record in an
    event. Week masks are strings: they may exceed what JSON readers other
    than Python hold exactly (unsigned 64 bits, formats §4)."""
    return {
        "subjects": dict(sorted(s.subjects.items())),
        "services": [[k[0], k[1], sorted(v)] for k, v in sorted(s.services.items())],
        "sessions": sorted(
            [
                x.day,
                x.start,
                x.places,
                x.subject,
                sorted(x.teachers),
                sorted(x.classes),
                sorted(x.groups),
                str(x.weeks),
                str(x.cancelled),
                str(x.included),
                sorted(x.replacing),
            ]
            for x in s.sessions
        ),
        "classes": sorted(s.classes),
        "groups": {g: sorted(c) for g, c in sorted(s.groups.items())},
        "students": dict(sorted(s.students.items())),
        "teachers": {t: sorted(c) for t, c in sorted(s.teachers.items())},
        "group_members": {g: sorted(m) for g, m in sorted(s.group_members.items())},
        "calendar": dict(sorted(s.calendar.items())),
    }


def snapshot_from_dict(d: dict[str, Any] | None) -> Snapshot | None:
    """The inverse of :func:`snapshot_to_dict`; None for an empty record."""
    if not d:
        return None
    return Snapshot(
        subjects=dict(d.get("subjects", {})),
        services={(k, subject): frozenset(t) for k, subject, t in d.get("services", [])},
        # Sessions stored before the weekly data have eight elements.
        sessions=tuple(_session(*x) for x in d.get("sessions", [])),
        classes=frozenset(d.get("classes", [])),
        groups={g: frozenset(c) for g, c in d.get("groups", {}).items()},
        students=dict(d.get("students", {})),
        teachers={t: frozenset(c) for t, c in d.get("teachers", {}).items()},
        group_members={g: frozenset(m) for g, m in d.get("group_members", {}).items()},
        calendar=dict(d.get("calendar", {})),
    )


def _session(
    day: int,
    start: int,
    places: int,
    subject: str,
    t: Iterable[str],
    c: Iterable[str],
    g: Iterable[str],
    w: int | str,
    cancelled: int | str = "0",
    included: int | str = "0",
    replacing: Iterable[str] = (),
) -> Session:
    return Session(
        day,
        start,
        places,
        subject,
        frozenset(t),
        frozenset(c),
        frozenset(g),
        int(w),
        int(cancelled),
        int(included),
        frozenset(replacing),
    )


def changes_counts(changes: Changes) -> dict[str, int]:
    """How many of each change, for the history and the metrics."""
    names = (
        "subjects_added",
        "subjects_modified",
        "services_added",
        "services_modified",
        "services_deleted",
        "sessions_removed",
        "groups_created",
        "groups_renamed",
        "students_leaving_classes",
        "teachers_leaving_classes",
        "structures_deleted_with_sessions",
    )
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
    "too_many_set_aside": "Rejet - Trop d'enregistrements non importés",
    "cancelled": "Import annulé",
    "replaced": "Remplacé par un export plus récent",
    "older_than_awaiting": "Rejet - Export plus ancien que celui en attente de validation",
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


def thresholds_section(over: dict[str, dict[str, Any]]) -> list[str]:
    """Lines of the bilan naming each exceeded threshold (domain-rules §7)."""
    lines = []
    for name, o in sorted(over.items()):
        line = (
            f"{name} ({THRESHOLD_LABELS.get(name, name)}) : {o['count']} sur {o['total']}, soit "
            f"{_fr_number(o['percent'])} % ; seuil {o['limit_count']} et {_fr_number(o['limit_percent'])} %"
        )
        lines.append(line + (" ; ce seuil ne peut jamais être levé" if not o.get("liftable", True) else ""))
    return lines


# ---------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Refusal:
    """Why an import is rejected before any comparison; ``reason`` is stable."""

    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def refusal(
    *,
    uai: str,
    uai_known: bool,
    copies: list[dict[str, Any]],
    school_year: int,
    ends_on: date | None,
    automatic: bool = True,
    end_help: str = "",
) -> Refusal | None:
    """The checks of domain-rules §7 that reject the whole file before any
    comparison, in order: an unknown establishment; a byte-identical copy of
    an earlier import of that UAI ("Rejet - Double du fichier d'import", 001
    §3.4); on an automated import, an end of year after 15 July (001 §3.6) —
    the first import of a year shows it in its preliminary bilan instead,
    before any refusal (domain-rules §12). Records set aside do not reject
    the file: what can be applied is (domain-rules §12; see
    :func:`set_aside_refusal` for the share limit)."""
    if not uai_known:
        return Refusal(
            "unknown_uai", f"establishment {uai} is not in the directory (no AAF structure with this UAI)", {"uai": uai}
        )
    if copies:
        first = copies[0]
        return Refusal(
            "duplicate_file",
            f"the file is byte-identical to import {first['import_id']} "
            f"({first['file']}, received {first['received_at']}); nothing applied",
            {"copy_of": [c["import_id"] for c in copies]},
        )
    late = end_date_problem(school_year, ends_on)
    if late is not None and automatic:
        return Refusal(
            "end_date_after_15_july",
            late + (f"; {end_help}" if end_help else ""),
            {"ends_on": ends_on.isoformat() if ends_on else "", "limit": end_date_limit_of(school_year).isoformat()},
        )
    return None


def end_date_problem(school_year: int, ends_on: date | None) -> str | None:
    """Why an end of year is refused (001 §3.6), or None."""
    limit = end_date_limit_of(school_year)
    if ends_on is None or ends_on <= limit:
        return None
    return (
        f"the school year ends on {ends_on.isoformat()}, later than {limit.isoformat()}: an end after 15 July "
        "would empty classes and mailing lists while students sit resit exams"
    )


SET_ASIDE_KINDS = ("courses", "teachers", "students", "classes_and_groups")


def set_aside_refusal(share: dict[str, tuple[int, int]], limits: dict[str, float], minimum: int = 0) -> Refusal | None:
    """On an automated import, a share of records set aside (not imported)
    above the configured limit of its kind rejects the whole file
    (domain-rules §12): a broken export must not half-apply. As for the
    change thresholds (domain-rules §11), the count must exceed ``minimum``
    too, so that two teachers of a small school are not a fifth of a file."""
    over = {}
    for kind, (aside, read) in sorted(share.items()):
        limit = limits.get(kind)
        if limit is None or not read or aside <= minimum:
            continue
        percent = 100.0 * aside / read
        if percent > limit:
            over[kind] = {"set_aside": aside, "read": read, "percent": round(percent, 1), "limit_percent": limit}
    if not over:
        return None
    what = ", ".join(
        f"{k} {o['set_aside']} of {o['read']} ({o['percent']} % > {o['limit_percent']} %)" for k, o in over.items()
    )
    return Refusal(
        "too_many_set_aside",
        f"too many records not imported: {what}; nothing applied (entsync imports "
        "show lists them; correct the export or the directory and send it again)",
        {"kinds": over},
    )


@dataclass(frozen=True)
class Decision:
    outcome: str  # awaiting_validation | applied | rejected
    changes: Changes
    over: dict[str, dict[str, Any]]


def decide(
    before: Snapshot | None,
    after: Snapshot,
    first_of_year: bool,
    thresholds: dict[str, Threshold],
    lifted: frozenset[str] = frozenset(),
) -> Decision:
    """The first import of a school year waits for an operator; a later one is
    applied unless it goes over a threshold not lifted (domain-rules §7, §11).
    ``before`` is the last applied timetable of the same school year."""
    changes = diff(before, after)
    if first_of_year:
        return Decision("awaiting_validation", changes, {})
    over = exceeded(changes, thresholds, lifted)
    return Decision("rejected" if over else "applied", changes, over)
