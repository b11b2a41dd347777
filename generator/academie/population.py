"""The people of one establishment at the first date: families, the
deliberate duplicates and typos the daemon must catch, and the staff with
their teaching services."""

from __future__ import annotations

import random
from dataclasses import replace

from .identifiers import CHECK_LETTERS, Ids, strip_accents
from .model import Academie, Etab, Population, Staff
from .nomenclature import STAFF_FUNCTIONS, SUBJECTS
from .people import RandomPeople
from .plan import split

STUDENTS_PER_TEACHER = 12
STUDENTS_PER_STAFF = 40


def _class_services(etab: Etab) -> dict[str, list[tuple[str, bool, str]]]:
    """Teaching services (code, is_group, subject) of an establishment, by STS discipline."""
    out: dict[str, list[tuple[str, bool, str]]] = {}
    for d in etab.divisions:
        for subject in d.stream.subjects:
            out.setdefault(SUBJECTS[subject][1], []).append((d.code, False, subject))
    for g in etab.groups:
        out.setdefault(SUBJECTS[g.subject][1], []).append((g.code, True, g.subject))
    return out


def populate(acad: Academie, etab: Etab, ids: Ids) -> Population:
    """All people of ``etab`` in the first delivery (students, guardians, staff)."""
    rng = random.Random(f"{acad.seed}:people:{etab.index}")
    gen = RandomPeople(acad, etab, ids, rng)
    pop = Population(etab, [], [], [])
    add_families(gen, pop, etab.n_students)
    # A record typed twice in SIECLE: same person, new ids, retyped name.
    for s in rng.sample(pop.students, min(etab.n_duplicates, len(pop.students))):
        given = strip_accents(s.given)
        dup = replace(
            s,
            jointure=gen.pid(),
            eleve_id=str(ids.eleve.take()),
            ine=f"{ids.ine.take():09d}{rng.choice(CHECK_LETTERS)}{rng.choice(CHECK_LETTERS)}",
            sn=s.sn.upper(),
            given=given if given != s.given else given.upper(),
        )
        pop.students.append(dup)
        pop.duplicates.append((s.jointure, dup.jointure))
    # A guardian's name typed with two letters swapped, corrected by the next delivery.
    couples = set(pop.couples)
    candidates = [g for g in pop.guardians if g.jointure not in couples]
    for g in rng.sample(candidates, min(etab.n_typos, len(candidates))):
        spots = [
            i
            for i in range(len(g.sn) - 1)
            if g.sn[i].isalpha() and g.sn[i + 1].isalpha() and g.sn[i].lower() != g.sn[i + 1].lower()
        ]
        if spots:
            i = rng.choice(spots)
            pop.typos[g.jointure] = (g.sn, g.patro)
            typo = g.sn[:i] + g.sn[i + 1] + g.sn[i] + g.sn[i + 2 :]
            g.patro = typo if g.patro == g.sn else g.patro
            g.sn = typo
    pop.staff = _staff(gen)
    return pop


def add_families(gen: RandomPeople, pop: Population, n_students: int) -> list[str]:
    """Append families until ``n_students`` children were added; return the children's jointures."""
    added: list[str] = []
    while len(added) < n_students:
        # ~16 % of families have siblings here, hence 10-20 % of shared guardians.
        k = min(gen.rng.choices((1, 2, 3), (84, 13, 3))[0], n_students - len(added))
        kids, guardians, couples = gen.family(k)
        pop.students += kids
        pop.guardians += guardians
        pop.couples += couples
        added += [s.jointure for s in kids]
    return added


def _staff(gen: RandomPeople) -> list[Staff]:
    """Teachers (services shared round-robin per discipline) then other staff."""
    etab, r, sj = gen.etab, gen.rng, gen.etab.sj
    by_disc = _class_services(etab)
    discs = sorted(by_disc)
    n_teachers = max(len(discs), round(etab.n_students / STUDENTS_PER_TEACHER))
    extra = split(n_teachers - len(discs), [len(by_disc[d]) for d in discs])
    plans = []  # (discipline, services)
    for d, k in zip(discs, extra):
        services = list(by_disc[d])
        r.shuffle(services)
        k = min(k, len(services) - 1)  # nobody without a service
        plans += [(d, services[i :: k + 1]) for i in range(k + 1)]
    # Some teachers also serve the next establishment (complément de service).
    acad = gen.acad
    other = acad.etabs[(etab.index + 1) % len(acad.etabs)] if len(acad.etabs) > 1 else None
    other_services = _class_services(other) if other else {}
    teachers = []
    for d, services in plans:
        label = next(v[2] for v in SUBJECTS.values() if v[1] == d)
        functions = [(sj, "ENS", "ENSEIGNEMENT", d, label)]
        svc = [(sj, c, g, s) for c, g, s in services]
        if other and other_services.get(d) and r.random() < 0.08:
            functions.append((other.sj, "ENS", "ENSEIGNEMENT", d, label))
            svc += [(other.sj, c, g, s) for c, g, s in r.sample(other_services[d], min(2, len(other_services[d])))]
        teachers.append(gen.staff_member(tuple(functions), True, "O", svc))
    # Principal teacher of each class: one of the teachers of that class.
    taught: dict[str, list[int]] = {}
    for i, t in enumerate(teachers):
        for s_j, code, is_group, _ in t.services:
            if s_j == sj and not is_group:
                taught.setdefault(code, []).append(i)
    for d in etab.divisions:
        if taught.get(d.code):
            t = teachers[r.choice(taught[d.code])]
            t.principal += ((sj, d.code),)
    n = etab.n_students
    roles = (
        ["DIR"] * (2 if n >= 400 else 1)
        + ["EDU"] * max(1, n // 350)
        + ["DOC", "MDS"]
        + ["ORI"] * (n >= 300)
        + ["ADF"] * max(1, n // 250)
    )
    roles += ["AED"] * max(0, round(n / STUDENTS_PER_STAFF) - len(roles))
    staff = []
    for code in roles:
        label, dcode, dlabel, presence, categorie = STAFF_FUNCTIONS[code]
        staff.append(gen.staff_member(((sj, code, label, dcode, dlabel),), categorie == "O", presence))
    return teachers + staff


def structure_teachers(
    acad: Academie, ids: Ids, rng: random.Random, sj: str, disciplines: list[tuple[str, str]], presence: str
) -> list[Staff]:
    """Teachers attached to structure ``sj`` only (one per discipline, no service):
    the staff of a replacement zone or of a school the ENT does not serve.
    Their identities come from ``rng`` and the académie's shared identifier
    spaces, so call this after the establishments' first populations."""
    gen = RandomPeople(acad, acad.etabs[0], ids, rng)
    return [
        Staff(
            **gen.identity(),
            rattach=sj,
            functions=((sj, "ENS", "ENSEIGNEMENT", code, label),),
            teacher=True,
            presence=presence,
            services=(),
            principal=(),
        )
        for code, label in disciplines
    ]
