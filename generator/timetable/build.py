"""The timetable export of one establishment at one date: teachers, rooms,
classes and their halves, groups, the present students with their classes,
and the courses of every service in free slots."""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta

from ..academie.churn import Churn, arrival_date
from ..academie.model import Academie, Population
from ..academie.nomenclature import SHORT_CODES, SUBJECTS
from ..dates import iso_from_french
from .model import EDT_SHAPES, PLACES_PER_DAY, Course, Timetable
from .weeks import year_masks

DEFAULT_ENDS_ON = "07-04"
# Real shapes, always on (valid and harmless, formats §4): about one course in
# SUBJECT_ONLY_EVERY is followed by a course holding only a subject; about one
# student in STRAY_PART_EVERY of a class without parts lists a part no class
# declares, "<class ident>P9".
SUBJECT_ONLY_EVERY = 7
STRAY_PART_EVERY = 10


def _ends_on(school_year: int, ends_on: str) -> date:
    month, day = map(int, ends_on.split("-"))
    return date(school_year + 1, month, day)


def build_timetable(
    acad: Academie,
    pop: Population,
    churn: Churn | None = None,
    on: str = "",
    first: str = "",
    ends_on: str = DEFAULT_ENDS_ON,
    shape: str = "current",
) -> Timetable:
    """The timetable of an establishment; slots and idents depend on the seed and the structure only.
    ``ends_on`` (MM-DD) is the year's ``DateFin``; ``shape`` one of :data:`EDT_SHAPES`."""
    if shape not in EDT_SHAPES:
        raise ValueError(f"unknown timetable shape {shape!r}; choose among {', '.join(EDT_SHAPES)}")
    etab, year = pop.etab, acad.school_year
    start, end = date(year, 9, 1), _ends_on(year, ends_on)
    week1, full, odd, even = year_masks(start, end, year)
    rng = random.Random(f"{acad.seed}:timetable:{etab.index}")
    used = sorted({s for d in etab.divisions for s in d.stream.subjects} | {g.subject for g in etab.groups})
    subj = {code: f"M{i}" for i, code in enumerate(used, 1)}
    # Teachers: idents by position in the staff list, stable when a teacher is replaced.
    teaching = [(i, p) for i, p in enumerate(pop.staff) if p.functions[0][1] == "ENS"]
    tid = {p.jointure: f"P{i + 1}" for i, p in teaching}
    teachers = [(f"P{i + 1}", p.sn.upper(), p.given, iso_from_french(p.birth), p.sts_id) for i, p in teaching]
    services = pop.teachers_by_service()
    rooms = [(f"S{i}", f"{100 + i}") for i in range(1, max(2, len(etab.divisions)) + 1)]
    cid = {d.code: f"C{i}" for i, d in enumerate(etab.divisions, 1)}
    with_parts = {d.code for i, d in enumerate(etab.divisions) if i % 3 == 0}  # one class in three has halves
    classes = [
        (cid[d.code], d.code, (f"{cid[d.code]}P1", f"{cid[d.code]}P2") if d.code in with_parts else ())
        for d in etab.divisions
    ]
    groups = []
    for i, g in enumerate(etab.groups, 1):
        # Some groups are made of class halves rather than whole classes.
        halves = i % 4 == 0 and any(c in with_parts for c in g.classes)
        groups.append(
            (
                f"G{i}",
                g.code,
                tuple(cid[c] for c in g.classes if not (halves and c in with_parts)),
                tuple(f"{cid[c]}P1" for c in g.classes if halves and c in with_parts),
            )
        )
    gid = {g.code: f"G{i}" for i, g in enumerate(etab.groups, 1)}
    # Students (present ones): class, class half, up to two legal guardians.
    by_guardian = {g.jointure: g for g in pop.guardians}
    moved = {j: old for j, old, _new in (churn.class_changes if churn else ())}
    arrivals = set(churn.arrived) if churn else set()
    students = []
    for s in pop.students:
        c = cid[s.division]
        entree = start
        if s.jointure in arrivals:
            entree = arrival_date(s.jointure, first, on, year)
        memberships = []
        if s.jointure in moved and moved[s.jointure] in cid:
            # The change happens after the rentrée, so the new class is the latest entry.
            change = max(start + timedelta(days=1), arrival_date(s.jointure, first, on, year))
            memberships = [(c, change, end), (cid[moved[s.jointure]], start, change - timedelta(days=1))]
        else:
            memberships = [(c, entree, end)]
        part = f"{c}P{1 + zlib.crc32(s.eleve_id.encode()) % 2}" if s.division in with_parts else None
        # A part no class declares (real exports): ignored by readers, parts never reach the ENT.
        stray = (
            f"{c}P9" if part is None and zlib.crc32(f"stray:{s.eleve_id}".encode()) % STRAY_PART_EVERY == 0 else None
        )
        resp = [
            (str(k), by_guardian[r[0]].sn.upper(), by_guardian[r[0]].given)
            for k, r in enumerate((r for r in s.rels if r[3] == "1" and r[0] in by_guardian), 1)
            if k <= 2
        ]
        students.append(
            {
                "ident": f"E{s.eleve_id}",
                "nom": s.sn.upper(),
                "prenom": s.given,
                "birth": iso_from_french(s.birth),
                "sexe": "F" if s.title == "Mme" else "M",
                "ine": s.ine,
                "eleve_id": s.eleve_id,
                "classes": memberships,
                "part": part,
                "stray_part": stray,
                "resp": resp,
            }
        )
    # Courses: each service gets 2-4 weekly hours in free slots of its classes.
    busy: dict[str, set[tuple[int, int]]] = {d.code: set() for d in etab.divisions}
    slots = [(day, place) for day in range(1, 6) for place in range(PLACES_PER_DAY)]

    def slot_for(codes) -> tuple[int, int]:
        free = [x for x in slots if not any(x in busy[c] for c in codes)]
        x = rng.choice(free or slots)
        for c in codes:
            busy[c].add(x)
        return x

    def tids(code: str, subject: str) -> tuple[str, ...]:
        return tuple(tid[p.jointure] for p in services.get((code, subject), ()))

    courses = []
    for d in etab.divisions:
        for k, subject in enumerate(d.stream.subjects):
            hours = 2 + int(subject) % 3
            for h in range(hours):
                day, place = slot_for((d.code,))
                room = rng.choice(rooms)[0]
                t = tids(d.code, subject)
                if k == 0 and h == 0 and d.code in with_parts:  # a split hour: halves on alternate weeks
                    c = cid[d.code]
                    courses.append(
                        Course(
                            day,
                            place,
                            subj[subject],
                            t,
                            parts=(f"{c}P1",),
                            room=room,
                            weeks=odd,
                            service=(d.code, subject),
                        )
                    )
                    courses.append(
                        Course(
                            day,
                            place,
                            subj[subject],
                            t,
                            parts=(f"{c}P2",),
                            room=room,
                            weeks=even,
                            service=(d.code, subject),
                        )
                    )
                else:
                    courses.append(
                        Course(
                            day,
                            place,
                            subj[subject],
                            t,
                            classes=(cid[d.code],),
                            room=room,
                            weeks=full,
                            service=(d.code, subject),
                        )
                    )
    for g in etab.groups:
        for _ in range(2 + int(g.subject) % 2):
            day, place = slot_for(g.classes)
            courses.append(
                Course(
                    day,
                    place,
                    subj[g.subject],
                    tids(g.code, g.subject),
                    groups=(gid[g.code],),
                    room=rng.choice(rooms)[0],
                    weeks=full,
                    service=(g.code, g.subject),
                )
            )
    # Courses holding only a subject (no teacher, class, group, room or
    # @Semaines), as real exports have: added after about one course in
    # SUBJECT_ONLY_EVERY, never in place of one. Drawn after every other
    # course, so that those keep their slots.
    with_subject_only = []
    for c in courses:
        with_subject_only.append(c)
        if rng.randrange(SUBJECT_ONLY_EVERY) == 0:
            day, place = rng.choice(slots)
            with_subject_only.append(Course(day, place, subj[rng.choice(used)], ()))
    return Timetable(
        etab.uai,
        start,
        end,
        week1,
        [(subj[c], SHORT_CODES[c], SUBJECTS[c][0]) for c in used],
        teachers,
        rooms,
        classes,
        groups,
        students,
        with_subject_only,
        shape,
    )
