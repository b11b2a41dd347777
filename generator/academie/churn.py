"""The same establishment at the second date: leavers, arrivals, class
changes, replaced teachers and the corrections of the first delivery's
duplicates and typos, with the dates SIECLE and the timetable give them."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ..dates import day
from .identifiers import Ids
from .model import Academie, Population
from .people import RandomPeople
from .population import add_families


@dataclass(slots=True)
class Churn:
    """What changed in one establishment between the two deliveries (ground truth)."""

    left: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)
    class_changes: list[tuple[str, str, str]] = field(default_factory=list)
    duplicates_removed: list[str] = field(default_factory=list)
    teachers_left: list[str] = field(default_factory=list)
    teachers_arrived: list[str] = field(default_factory=list)
    guardians_left: list[str] = field(default_factory=list)
    guardians_arrived: list[str] = field(default_factory=list)
    guardians_renamed: list[str] = field(default_factory=list)


def evolve(acad: Academie, pop: Population, ids: Ids, rate: float) -> tuple[Population, Churn]:
    """The same establishment at the second date; ``pop`` is left untouched."""
    etab = pop.etab
    rng = random.Random(f"{acad.seed}:churn:{etab.index}:{rate!r}")
    gen = RandomPeople(acad, etab, ids, rng, arrival=True)
    ch = Churn()
    removed = {d for _, d in pop.duplicates}
    ch.duplicates_removed = [d for _, d in pop.duplicates]
    # The kept twin of a duplicate and the children of a renamed guardian stay,
    # so that both corrections are visible in the second delivery.
    protected = {k for k, _ in pop.duplicates}
    protected |= {s.jointure for s in pop.students if any(rel[0] in pop.typos for rel in s.rels)}
    regular = [s for s in pop.students if s.jointure not in removed]
    movable = [s for s in regular if s.jointure not in protected]
    n_leave = min(len(movable), round(rate * len(regular)))
    leaving = {s.jointure for s in rng.sample(movable, n_leave)}
    ch.left = [s.jointure for s in regular if s.jointure in leaving]
    students = [s for s in regular if s.jointure not in leaving]
    # Class changes within the same level/track.
    changeable = [i for i, s in enumerate(students) if len(gen.by_stream[s.stream.stem]) > 1]
    for i in sorted(rng.sample(changeable, min(len(changeable), round(rate * len(students))))):
        s = students[i]
        division = rng.choice([d for d in gen.by_stream[s.stream.stem] if d.code != s.division])
        students[i] = replace(s, division=division.code, groups=gen.groups_for(division))
        ch.class_changes.append((s.jointure, s.division, division.code))
    # About as many newcomers as leavers, in new families.
    new = Population(etab, [], [], [])
    ch.arrived = add_families(gen, new, n_leave)
    referenced = {rel[0] for s in students for rel in s.rels}
    guardians = []
    for g in pop.guardians:
        if g.jointure not in referenced:
            ch.guardians_left.append(g.jointure)
        elif g.jointure in pop.typos:
            sn, patro = pop.typos[g.jointure]
            guardians.append(replace(g, sn=sn, patro=patro))
            ch.guardians_renamed.append(g.jointure)
        else:
            guardians.append(g)
    ch.guardians_arrived = [g.jointure for g in new.guardians]
    # Teachers replaced: the newcomer takes over the whole service.
    staff = list(pop.staff)
    teaching = [i for i, p in enumerate(staff) if p.functions[0][1] == "ENS"]
    for i in rng.sample(teaching, min(etab.n_teacher_moves, len(teaching))):
        old = staff[i]
        staff[i] = replace(old, **gen.identity())
        ch.teachers_left.append(old.jointure)
        ch.teachers_arrived.append(staff[i].jointure)
    pop2 = Population(
        etab,
        students + new.students,
        guardians + new.guardians,
        staff,
        couples=[c for c in pop.couples if c in referenced] + new.couples,
    )
    return pop2, ch


def leaving_date(jointure: str, first: str, second: str) -> date:
    """A past ``DATE_SORTIE`` for a churn leaver: strictly between the two dates."""
    a, b = day(first), day(second)
    span = max(1, (b - a).days - 1)
    return a + timedelta(days=1 + zlib.crc32(jointure.encode()) % span)


def arrival_date(jointure: str, first: str, second: str, school_year: int) -> date:
    """The entry date of a churn arrival: after the rentrée, before the second date."""
    a = max(day(first), date(school_year, 9, 1))
    b = day(second)
    span = max(1, (b - a).days)
    return a + timedelta(days=zlib.crc32(jointure.encode()) % span)
