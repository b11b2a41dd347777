"""Variants of one establishment's exports, each meant to trigger one outcome
of an import pipeline (domain-rules §7 for timetables and STS-web, formats §2
and domain-rules §11 for SIECLE): a moderate change applied automatically,
every rejection a file can cause, and one variant per change threshold
(``threshold-<name>``, :mod:`thresholds`).

Each is an edit of a normal export of :mod:`sources` (the *base*).  The
manifest records, per variant, what ``entsync ingest`` is expected to answer:

- ``source``: timetable | sts | siecle (which pipeline receives it);
- ``stage``: ``parser`` when the reader refuses the file or sets a record
  aside (``parser`` names the reader), ``pipeline`` when the import decides;
- ``outcome``: ``rejected`` or ``applied``; ``reason``: the import's reason
  code, empty when applied (``record_reason``: the reader's code for the
  records it set aside). A timetable import applies what it can and lists
  the rest (domain-rules §12): records set aside reject an automated import
  only above :data:`SET_ASIDE_LIMIT` % of a kind (``too_many_set_aside``);
  ``set_aside``: the generator's count of them per kind, (set aside, read);
- ``needs``: ``base`` when the base must have been applied first (validated,
  for a timetable's first import of the year), else empty;
- ``thresholds``: for ``threshold_exceeded``, the thresholds the import goes
  over (exactly those for the ``threshold-<name>`` variants, which also carry
  ``liftable``, ``expected``: the pipeline's counts per threshold, and
  ``totals``: the base's, which the shares are taken of).

Stdlib only and no import from the parsers: the tests check one against the
other.  Random choices come from streams seeded with the seed and the
variant's name only.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from datetime import date, timedelta

from .academie.identifiers import uai_check_letter, wrong_check_letter
from .academie.model import Academie, Population
from .dates import day, french
from .thresholds import DEFAULT_TIMETABLE_THRESHOLDS, DETAILS, Unreachable, threshold_variant
from .timetable.export import edt_name, edt_xml
from .timetable.model import Course, Timetable, subject_only
from .xml_files import ISO_8859_15, UTF_8, element, escape, write_bytes, write_xml

READ_EDT = "adapters.timetable.parser.read_edt"
READ_STS = "adapters.sts.parser.read_sts"
READ_ELEVES = "adapters.siecle.read_eleves"
# Percent of a kind of records set aside (not imported) above which an
# automated timetable import is rejected whole (domain-rules §12). Copied from
# events.policy's default timetable_set_aside_limits, not imported.
SET_ASIDE_LIMIT = 20.0
SET_ASIDE_KINDS = ("courses", "teachers", "students", "classes_and_groups")
TOO_MANY_SET_ASIDE_SHARE = 30  # percent of the courses the too-many-set-aside variant spoils


def _v(source: str, stage: str, outcome: str, reason: str, detail: str, needs: str = "", **extra) -> dict:
    return {
        "source": source,
        "stage": stage,
        "outcome": outcome,
        "reason": reason,
        "needs": needs,
        **extra,
        "detail": detail,
    }


VARIANTS = {
    # timetable (Index Education ExportEmploiDuTemps)
    "moderate-change": _v(
        "timetable",
        "pipeline",
        "applied",
        "",
        "3 courses cancelled, 2 moved to a free slot, one class service given to another "
        "teacher: under every threshold, applied without an operator",
        "base",
    ),
    "duplicate": _v(
        "timetable",
        "pipeline",
        "rejected",
        "duplicate_file",
        "byte-identical copy of the base export under another file name",
        "base",
    ),
    "too-many-changes": _v(
        "timetable",
        "pipeline",
        "rejected",
        "threshold_exceeded",
        "about 65 % of the courses removed and about 80 % of the services reassigned; "
        "'thresholds' are exceeded at least (compared with the base)",
        "base",
        thresholds=["sessions_removed", "services_modified"],
    ),
    "structure-deleted": _v(
        "timetable",
        "pipeline",
        "rejected",
        "threshold_exceeded",
        "a class holding courses removed (its students moved to another class): the "
        "structure-protection threshold, never liftable",
        "base",
        thresholds=["structures_deleted_with_sessions"],
    ),
    "end-date-late": _v(
        "timetable",
        "pipeline",
        "rejected",
        "end_date_after_15_july",
        "AnneeScolaire/@DateFin is 20 July: the reader takes it, the pipeline refuses it on an "
        "automated import (the first import of a year would list it and wait for validation)",
        "base",
    ),
    "unknown-uai": _v(
        "timetable",
        "pipeline",
        "rejected",
        "unknown_uai",
        "a UAI with a valid check letter that is no establishment of the académie",
    ),
    "bad-code": _v(
        "timetable",
        "parser",
        "applied",
        "",
        "a group name of 9 characters (a class name when there is no group): the reader sets the "
        "group aside with its courses, the import applies the rest and lists it under the classes "
        "and groups not imported",
        "base",
        parser=READ_EDT,
        record_reason="invalid_code",
    ),
    "invalid-record": _v(
        "timetable",
        "parser",
        "applied",
        "",
        "a course naming a teacher ident the export does not declare: the reader sets that "
        "course aside (well under 20 % of the courses), the import applies the rest",
        "base",
        parser=READ_EDT,
        record_reason="unknown_reference",
    ),
    "too-many-set-aside": _v(
        "timetable",
        "pipeline",
        "rejected",
        "too_many_set_aside",
        '30 % of the courses (subject-only ones not counted) written Jour="9": the reader '
        "sets them aside, and an automated import with more than 20 % of its courses not "
        "imported is rejected whole",
        "base",
        parser=READ_EDT,
        record_reason="invalid_value",
    ),
    "malformed": _v(
        "timetable",
        "parser",
        "rejected",
        "malformed_xml",
        "the export cut in the middle (not well-formed XML)",
        parser=READ_EDT,
    ),
    # STS-web
    "edt-sts": _v(
        "sts",
        "parser",
        "rejected",
        "edt_sts_instead_of_sts",
        "root EDT_STS (the timetable-to-STS file); read_edt refuses it as unknown_format",
        parser=READ_STS,
    ),
    # SIECLE (BEE_ELEVES)
    "siecle-duplicate": _v(
        "siecle",
        "pipeline",
        "rejected",
        "duplicate_file",
        "byte-identical copy of the base students export under another file name",
        "base",
    ),
    "siecle-older-export": _v(
        "siecle",
        "pipeline",
        "rejected",
        "older_export",
        "the base students export dated a week earlier (DATE_EXPORT, HORODATAGE)",
        "base",
    ),
    "siecle-malformed": _v(
        "siecle",
        "parser",
        "rejected",
        "malformed_xml",
        "the students export cut in the middle (not well-formed XML)",
        parser=READ_ELEVES,
    ),
    "siecle-invalid-uai": _v(
        "siecle", "parser", "rejected", "invalid_uai", "PARAMETRES/UAJ with a wrong check letter", parser=READ_ELEVES
    ),
    "siecle-invalid-header": _v(
        "siecle",
        "parser",
        "rejected",
        "invalid_header",
        "PARAMETRES/DATE_EXPORT written YYYY-MM-DD instead of DD/MM/YYYY",
        parser=READ_ELEVES,
    ),
    "siecle-missing-parametres": _v(
        "siecle",
        "parser",
        "rejected",
        "missing_parametres",
        "no PARAMETRES block: the establishment is unknown",
        parser=READ_ELEVES,
    ),
    "siecle-entity-declaration": _v(
        "siecle", "parser", "rejected", "entity_declaration", "a DOCTYPE declaring an XML entity", parser=READ_ELEVES
    ),
}
# One timetable variant per change threshold, over that one only (thresholds.py).
VARIANTS.update(
    {
        f"threshold-{name}": _v(
            "timetable",
            "pipeline",
            "rejected",
            "threshold_exceeded",
            DETAILS[name],
            "base",
            thresholds=[name],
            liftable=liftable,
        )
        for name, (_, _, liftable) in DEFAULT_TIMETABLE_THRESHOLDS.items()
    }
)


# --------------------------------------------------------------------------- helpers


def unknown_uai(acad: Academie) -> str:
    """A UAI with a valid check letter that no establishment of the académie has."""
    taken = {e.uai for e in acad.etabs}
    n = int(acad.etabs[0].uai[:7])
    while True:
        n = (n + 1) % 10_000_000
        uai = f"{n:07d}{uai_check_letter(f'{n:07d}')}"
        if uai not in taken:
            return uai


def _once(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace the one occurrence of ``old``; the base is ours, so anything else is a bug here."""
    if data.count(old) != 1:
        raise ValueError(f"variant edit: expected one {old!r} in the base export")
    return data.replace(old, new)


def edt_sts_xml(acad: Academie, pop: Population) -> str:
    """The timetable-to-STS file (root ``EDT_STS``) that users upload by mistake."""
    services = pop.teachers_by_service()
    divs = []
    for d in pop.etab.divisions:
        divs.append(
            f'        <DIVISION CODE="{escape(d.code)}">\n          <SERVICES>\n'
            + "".join(
                f'            <SERVICE CODE_MATIERE="{s}" CODE_MOD_COURS="CG">\n              <ENSEIGNANTS>\n'
                + "".join(
                    f'                <ENSEIGNANT ID="{p.sts_id}" TYPE="epp"/>\n' for p in services.get((d.code, s), ())
                )
                + "              </ENSEIGNANTS>\n            </SERVICE>\n"
                for s in d.stream.subjects
            )
            + "          </SERVICES>\n        </DIVISION>\n"
        )
    return (
        f"<EDT_STS>\n  <PARAMETRES>\n    {element('UAJ', pop.etab.uai)}\n"
        f"    {element('ANNEE_SCOLAIRE', str(acad.school_year))}\n    {element('LOGICIEL', 'EDT')}\n  </PARAMETRES>\n"
        "  <DONNEES>\n    <STRUCTURE>\n      <DIVISIONS>\n"
        + "".join(divs)
        + "      </DIVISIONS>\n    </STRUCTURE>\n  </DONNEES>\n</EDT_STS>\n"
    )


# --------------------------------------------------------------------------- timetable edits


def _busy(t: Timetable, courses: list[Course], course: Course) -> set[tuple[int, int]]:
    """Slots where a class of ``course`` (whole, a half, or in a group) or one
    of its teachers already has a course."""
    cids = set(course.classes)
    parts = {p for i, _, ps in t.classes if i in cids for p in ps}
    gids = {g for g, _, cls, gparts in t.groups if cids & set(cls) or parts & set(gparts)}
    teachers = set(course.teachers)
    return {
        (c.day, c.place)
        for c in courses
        if cids & set(c.classes) or parts & set(c.parts) or gids & set(c.groups) or teachers & set(c.teachers)
    }


def moderate_change(t: Timetable, rng: random.Random) -> tuple[Timetable, dict]:
    """A week's worth of ordinary edits: cancel 3 courses, move 2, give one
    class service to another teacher. Each edit touches its own service, so
    the expected changes are known: sessions removed = cancelled + moved +
    the sessions of the reassigned service (a session names its teachers);
    one service modified; nothing deleted."""
    by_service: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(t.courses):
        if c.classes and not c.groups:
            by_service.setdefault(c.service, []).append(i)
    # Services of whole-class courses only, with at least 3 of them: cancelling one keeps the service.
    whole = sorted(
        s
        for s, idx in by_service.items()
        if len(idx) >= 3 and all(t.courses[i].classes and not t.courses[i].parts for i in idx)
    )
    chosen = rng.sample(whole, min(5, len(whole)))
    cancel, move = chosen[:3], chosen[3:]
    taught = [s for s in whole if s not in chosen and t.courses[by_service[s][0]].teachers]
    reassign = [rng.choice(taught)] if taught else []
    courses = list(t.courses)
    dropped = {by_service[s][-1] for s in cancel}
    moved = 0
    for s in move:
        i = by_service[s][-1]
        free = sorted({(d, p) for d in range(1, 6) for p in range(8)} - _busy(t, courses, courses[i]))
        if free:
            day, place = free[0]
            courses[i] = replace(courses[i], day=day, place=place)
            moved += 1
    reassigned = 0
    for s in reassign:
        old = set(courses[by_service[s][0]].teachers)
        subject = courses[by_service[s][0]].subject
        same_subject = sorted({p for c in courses if c.subject == subject for p in c.teachers} - old)
        others = same_subject or sorted({x[0] for x in t.teachers} - old)
        if not others:
            continue
        new = (others[0],)
        for i in by_service[s]:
            courses[i] = replace(courses[i], teachers=new)
        reassigned = len(by_service[s])
    courses = [c for i, c in enumerate(courses) if i not in dropped]
    expected = {
        "sessions_removed": len(dropped) + moved + reassigned,
        "services_modified": 1 if reassigned else 0,
        "services_deleted": 0,
        "structures_deleted_with_sessions": 0,
    }
    return replace(t, courses=courses), {
        "cancelled": len(dropped),
        "moved": moved,
        "services_reassigned": 1 if reassigned else 0,
        "expected": expected,
    }


def too_many_changes(t: Timetable, rng: random.Random) -> tuple[Timetable, dict]:
    """~65 % of the courses removed, ~80 % of the services reassigned."""
    keep = sorted(rng.sample(range(len(t.courses)), len(t.courses) * 35 // 100))
    svc = sorted({c.service for c in t.courses if not subject_only(c)})
    moved = set(rng.sample(svc, len(svc) * 4 // 5))
    idents = [x[0] for x in t.teachers]
    shift = {p: idents[(i + 1) % len(idents)] for i, p in enumerate(idents)}
    courses = [
        replace(c, teachers=tuple(shift[p] for p in c.teachers) if c.service in moved else c.teachers)
        for c in (t.courses[i] for i in keep)
    ]
    return replace(t, courses=courses), {
        "courses_before": len(t.courses),
        "courses_after": len(courses),
        "services": len(svc),
        "services_reassigned": len(moved),
    }


def structure_deleted(t: Timetable) -> tuple[Timetable, dict]:
    """The class with the most courses goes, with its courses and halves."""
    counts: dict[str, int] = {}
    for c in t.courses:
        for x in c.classes:
            counts[x] = counts.get(x, 0) + 1
    gone = max(sorted(counts), key=counts.get)
    name = next(n for i, n, _ in t.classes if i == gone)
    other = next(i for i, _, _ in t.classes if i != gone) if len(t.classes) > 1 else None
    gone_parts = {p for i, _, parts in t.classes if i == gone for p in parts}
    groups = [
        (i, n, tuple(c for c in cls if c != gone), tuple(p for p in parts if p not in gone_parts))
        for i, n, cls, parts in t.groups
    ]
    empty = {i for i, _, cls, parts in groups if not cls and not parts}
    students = []
    for s in t.students:
        if any(c == gone for c, _, _ in s["classes"]):
            if other is None:
                continue
            s = {**s, "classes": [(other, t.start, t.end)], "part": None}
        students.append(s)
    courses = [
        c
        for c in t.courses
        if gone not in c.classes and not gone_parts.intersection(c.parts) and not empty.intersection(c.groups)
    ]
    return replace(
        t,
        classes=[x for x in t.classes if x[0] != gone],
        groups=[g for g in groups if g[0] not in empty],
        students=students,
        courses=courses,
    ), {"deleted_class": name}


def set_aside_shares(t: Timetable, classes=(), groups=(), courses=()) -> dict[str, tuple[int, int]]:
    """(set aside, read) per kind when the reader sets aside the classes and
    groups ``classes``/``groups`` (by ident) and the courses at the indices
    ``courses`` of ``t``, everything else matched (domain-rules §12): a group
    made of a class set aside goes with it, a course naming a class or group
    set aside too; courses holding only a subject are not counted at all."""
    classes = set(classes)
    groups = set(groups) | {g for g, _, cls, _ in t.groups if classes & set(cls)}
    counted = [k for k, c in enumerate(t.courses) if not subject_only(c)]
    aside = {
        k
        for k in counted
        if k in set(courses) or classes & set(t.courses[k].classes) or groups & set(t.courses[k].groups)
    }
    return {
        "courses": (len(aside), len(counted)),
        "teachers": (0, len(t.teachers)),
        "students": (0, len(t.students)),
        "classes_and_groups": (len(classes) + len(groups), len(t.classes) + len(t.groups)),
    }


def over_set_aside_limit(shares: dict[str, tuple[int, int]]) -> list[str]:
    """The kinds whose share set aside is over :data:`SET_ASIDE_LIMIT`."""
    return [k for k in SET_ASIDE_KINDS if shares[k][1] and 100.0 * shares[k][0] / shares[k][1] > SET_ASIDE_LIMIT]


def _applied_unless_too_many(shares: dict[str, tuple[int, int]]) -> dict:
    """The expected outcome of an automated import setting aside ``shares``:
    applied, or rejected ``too_many_set_aside`` on a base too small."""
    over = over_set_aside_limit(shares)
    out = {"set_aside": {k: list(v) for k, v in shares.items()}}
    if over:
        out.update(outcome="rejected", reason="too_many_set_aside", set_aside_over=over)
    return out


def bad_code(t: Timetable) -> tuple[Timetable, dict]:
    """A group name of 9 characters (a class name when there is no group):
    the reader sets it aside with its courses; the rest is applied."""
    if t.groups:
        gi, gname, gcls, gparts = t.groups[0]
        bad = (gname + "XXXXXXXXX")[:9]
        return (
            replace(t, groups=[(gi, bad, gcls, gparts)] + t.groups[1:]),
            {"bad_code": bad, "group_ident": gi, **_applied_unless_too_many(set_aside_shares(t, groups=[gi]))},
        )
    ci, cname, cparts = t.classes[0]
    bad = (cname + "XXXXXXXXX")[:9]
    return (
        replace(t, classes=[(ci, bad, cparts)] + t.classes[1:]),
        {"bad_code": bad, "group_ident": ci, **_applied_unless_too_many(set_aside_shares(t, classes=[ci]))},
    )


def invalid_record(t: Timetable) -> tuple[Timetable, dict]:
    """The first course (not a subject-only one) names teacher ident ``P0``,
    which no export declares (teacher idents start at ``P1``): that course is
    set aside, the rest applied."""
    k = next(k for k, c in enumerate(t.courses) if not subject_only(c))
    courses = list(t.courses)
    courses[k] = replace(courses[k], teachers=("P0",))
    return replace(t, courses=courses), {
        "unknown_ident": "P0",
        **_applied_unless_too_many(set_aside_shares(t, courses=[k])),
    }


def too_many_set_aside(t: Timetable, rng: random.Random) -> tuple[Timetable, dict]:
    """:data:`TOO_MANY_SET_ASIDE_SHARE` % of the courses (rounded up; those
    holding only a subject are not counted) on day 9, which the reader sets
    aside (``Jour`` is 1..7): over the share limit of an automated import."""
    counted = [k for k, c in enumerate(t.courses) if not subject_only(c)]
    n = -(-len(counted) * TOO_MANY_SET_ASIDE_SHARE // 100)
    spoilt = set(rng.sample(counted, n))
    courses = [replace(c, day=9) if k in spoilt else c for k, c in enumerate(t.courses)]
    shares = set_aside_shares(t, courses=spoilt)
    return replace(t, courses=courses), {
        "courses_set_aside": n,
        "set_aside": {k: list(v) for k, v in shares.items()},
        "set_aside_over": over_set_aside_limit(shares),
    }


# --------------------------------------------------------------------------- writers


def write_variants(
    out: str, acad: Academie, pop: Population, t: Timetable, base_path: str, skipped: list[dict] | None = None
) -> list[dict]:
    """The timetable and STS-web variants of ``t`` (the latest normal export,
    at ``base_path``) for its establishment. A threshold variant this base is
    too small for is not written: it goes to ``skipped``, with why."""
    uai = t.uai
    root = os.path.join("variants", uai)
    made: list[dict] = []

    late = t.end > date(t.start.year + 1, 7, 15)  # --edt-ends-on after 15 July: the base itself ends late

    def record(name: str, rel: str, **extra) -> None:
        entry = {"name": name, "uai": uai, "path": rel, "base": base_path, **VARIANTS[name], **extra}
        if entry["source"] == "timetable" and entry["needs"] == "base":
            if late and entry["reason"] != "duplicate_file":
                # An automated import of a year ending after 15 July is refused before anything else is read.
                entry.update(
                    outcome="rejected",
                    reason="end_date_after_15_july",
                    stage="pipeline",
                    detail=entry["detail"] + f"; the base ends on {t.end.isoformat()}, after 15 July, so "
                    "this automated import is rejected for its end of year first",
                )
            if t.shape == "legacy":
                # No IDSTS nor birth date: what is expected holds once the base's teachers were matched by hand.
                entry["hand_matches"] = "teachers"
        made.append(entry)

    def edt(name: str, variant: Timetable, **extra) -> None:
        rel = os.path.join(root, name, edt_name(variant.uai))
        write_xml(os.path.join(out, rel), edt_xml(variant), UTF_8)
        record(name, rel, **extra)

    def rng(name: str) -> random.Random:
        return random.Random(f"{acad.seed}:variants:{name}")

    base = open(os.path.join(out, base_path), "rb").read()
    variant, extra = moderate_change(t, rng("moderate-change"))
    edt("moderate-change", variant, **extra)
    rel = os.path.join(root, "duplicate", f"export_edt_{uai}_copie.xml")
    write_bytes(out, rel, base)
    record("duplicate", rel)
    # The stream name predates the other variants: kept so that this file's bytes do not change.
    variant, extra = too_many_changes(t, random.Random(f"{acad.seed}:variants"))
    edt("too-many-changes", variant, **extra)
    variant, extra = structure_deleted(t)
    edt("structure-deleted", variant, **extra)
    edt("end-date-late", replace(t, end=date(t.start.year + 1, 7, 20)))
    variant, extra = too_many_set_aside(t, rng("too-many-set-aside"))
    edt("too-many-set-aside", variant, **extra)
    other_uai = unknown_uai(acad)
    edt("unknown-uai", replace(t, uai=other_uai), variant_uai=other_uai)
    variant, extra = bad_code(t)
    edt("bad-code", variant, **extra)
    variant, extra = invalid_record(t)
    edt("invalid-record", variant, **extra)
    rel = os.path.join(root, "malformed", edt_name(uai))
    write_bytes(out, rel, base[: len(base) // 2])
    record("malformed", rel)
    rel = os.path.join(root, "edt-sts", f"edt_sts_{uai}_{acad.school_year}.xml")
    write_xml(os.path.join(out, rel), edt_sts_xml(acad, pop), ISO_8859_15)
    record("edt-sts", rel)
    for threshold in DEFAULT_TIMETABLE_THRESHOLDS:
        name = f"threshold-{threshold}"
        try:
            variant, extra = threshold_variant(t, threshold, rng(name))
        except Unreachable as exc:
            if skipped is not None:
                skipped.append({"name": name, "uai": uai, "base": base_path, "why": str(exc)})
            continue
        edt(name, variant, **extra)
    return made


def write_siecle_variants(out: str, pop: Population, on: str, base_path: str) -> list[dict]:
    """The SIECLE variants of the students export at ``base_path`` (exported
    on ``on``), byte edits of it: the reader sees the same records."""
    uai = pop.etab.uai
    root = os.path.join("variants", uai)
    base = open(os.path.join(out, base_path), "rb").read()
    name = os.path.basename(base_path)
    made: list[dict] = []

    def write(variant: str, data: bytes, file: str = name, **extra) -> None:
        rel = os.path.join(root, variant, file)
        write_bytes(out, rel, data)
        made.append({"name": variant, "uai": uai, "path": rel, "base": base_path, **VARIANTS[variant], **extra})

    today = french(day(on))
    older = french(day(on) - timedelta(days=7))
    write("siecle-duplicate", base, name.replace(".xml", "_copie.xml"))
    data = _once(base, f"<DATE_EXPORT>{today}</DATE_EXPORT>".encode(), f"<DATE_EXPORT>{older}</DATE_EXPORT>".encode())
    data = _once(data, f"<HORODATAGE>{today} ".encode(), f"<HORODATAGE>{older} ".encode())
    write(
        "siecle-older-export",
        data,
        exported_on=day(on).isoformat(),
        variant_exported_on=(day(on) - timedelta(days=7)).isoformat(),
    )
    write("siecle-malformed", base[: len(base) // 2])
    write(
        "siecle-invalid-uai",
        _once(base, f"<UAJ>{uai}</UAJ>".encode(), f"<UAJ>{wrong_check_letter(uai)}</UAJ>".encode()),
    )
    write(
        "siecle-invalid-header",
        _once(
            base,
            f"<DATE_EXPORT>{today}</DATE_EXPORT>".encode(),
            f"<DATE_EXPORT>{day(on).isoformat()}</DATE_EXPORT>".encode(),
        ),
    )
    start, end = base.index(b"  <PARAMETRES>"), base.index(b"</PARAMETRES>\n") + len(b"</PARAMETRES>\n")
    write("siecle-missing-parametres", base[:start] + base[end:])
    declaration = base.index(b"?>\n") + 3
    write(
        "siecle-entity-declaration",
        base[:declaration] + b'<!DOCTYPE BEE_ELEVES [\n  <!ENTITY etab "x">\n]>\n' + base[declaration:],
    )
    return made
