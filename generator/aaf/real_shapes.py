"""The AAF files as real deliveries are (``--real-shapes``).

The staff mix of real files: presence ``N`` for half of the teachers and
documentalists, no function for a third of the non-teaching staff, ``Mlle``;
and two structures the ENT does not serve, a replacement zone whose UAI
fails the check letter and a 1st-degree school, each with teachers attached
to it only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..academie.identifiers import Ids, uai_check_letter, wrong_check_letter
from ..academie.model import Academie, Population, Staff
from ..academie.names import ETAB_NAMES
from ..academie.nomenclature import SUBJECTS
from ..academie.population import structure_teachers
from .layout import ATTRIBUTES, Record

ZONE_TEACHERS = 3
UNSERVED_KINDS = ("replacement_zone", "ecole")


def real_staff(seed: int, pop: Population, records: list[Record]) -> tuple[list[Record], dict[str, list[str]]]:
    """The PersEducNat records of ``pop`` (default layout, in staff order) as real files have them.

    Half of the teachers and documentalists get presence ``N`` (still
    teachers: the function decides, formats §1); a third of the non-teaching
    staff get no function, chosen among those with presence ``N`` so that no
    rule can take them for teachers; about one woman in ten is ``Mlle``.
    Choices go by position in the staff list, which churn keeps (a replaced
    teacher's successor takes the place), so that both deliveries agree.
    Returns the records and the jointures of each kind (staff order).
    """
    at = {n: i for i, n in enumerate(ATTRIBUTES["PersEducNat"])}
    rng = random.Random(f"{seed}:shapes:staff:{pop.etab.index}")
    code = [p.functions[0][1] if p.functions else "" for p in pop.staff]
    teaching = [i for i, c in enumerate(code) if c in ("ENS", "DOC")]
    others = [i for i, c in enumerate(code) if c not in ("ENS", "DOC")]
    quiet = [i for i in others if pop.staff[i].presence == "N"]
    presence_n = set(rng.sample(teaching, len(teaching) // 2))
    no_functions = set(rng.sample(quiet, min(len(quiet), round(len(others) / 3))))
    # Places, not women: a successor's gender must not move the others' titles.
    mlle = {i for i in rng.sample(range(len(code)), round(len(code) / 10)) if pop.staff[i].title == "Mme"}
    out = []
    for i, (ident, values) in enumerate(records):
        values = list(values)
        if i in presence_n:
            values[at["PersEducNatPresenceDevantEleves"]] = ("N",)
        if i in no_functions:
            values[at["ENTPersonFonctions"]] = ("",)
        if i in mlle:
            values[at["personalTitle"]] = ("Mlle",)
        out.append((ident, tuple(values)))
    jointures = lambda chosen: [p.jointure for i, p in enumerate(pop.staff) if i in chosen]  # noqa: E731
    return out, {
        "teachers_presence_n": jointures(presence_n),
        "staff_without_functions": jointures(no_functions),
        "mlle": jointures(mlle),
    }


@dataclass(frozen=True, slots=True)
class Unserved:
    """An administrative structure of the delivery that no establishment of the ENT is."""

    kind: str  # replacement_zone | ecole
    sj: str
    uai: str
    name: str
    type_struct: str
    street: str
    postal_code: str
    city: str
    teachers: int

    @property
    def uai_valid(self) -> bool:
        return self.uai[7:] == uai_check_letter(self.uai[:7])


def plan_unserved(acad: Academie) -> tuple[Unserved, ...]:
    """A replacement zone (``Z.REMP-…``, UAI failing the check letter, a few
    teachers) and a 1st-degree school (``ECOLE``, one teacher)."""
    rng = random.Random(f"{acad.seed}:shapes:unserved")
    sjs = {e.sj for e in acad.etabs}
    uai7s = {e.uai[:7] for e in acad.etabs}

    def sj() -> str:
        while (s := str(rng.randrange(10_000, 100_000))) in sjs:
            pass
        sjs.add(s)
        return s

    def uai7(dept: str) -> str:
        while (u := f"{dept}{rng.randrange(10_000):04d}") in uai7s:
            pass
        uai7s.add(u)
        return u

    out = []
    for kind in UNSERVED_KINDS:
        dept = rng.choice(sorted(acad.depts))
        city, postal = rng.choice(acad.depts[dept])
        u7 = uai7(dept)
        street = f"{rng.randint(1, 90)} RUE DE L'ACADÉMIE"
        if kind == "replacement_zone":
            out.append(
                Unserved(
                    kind,
                    sj(),
                    wrong_check_letter(u7 + uai_check_letter(u7)),
                    f"Z.REMP-{city}",
                    "",
                    street,
                    postal,
                    city,
                    ZONE_TEACHERS,
                )
            )
        else:
            out.append(
                Unserved(
                    kind,
                    sj(),
                    u7 + uai_check_letter(u7),
                    f"EEPU-{rng.choice(ETAB_NAMES)}-ac-{acad.name}",
                    "ECOLE",
                    street,
                    postal,
                    city,
                    1,
                )
            )
    return tuple(out)


def unserved_records(acad: Academie, structures: tuple[Unserved, ...]) -> list[Record]:
    """``EtabEducNat`` records (default layout) of the unserved structures: no class, no group."""
    return [
        (
            u.sj,
            (
                (u.sj,),
                (u.uai,),
                (u.name,),
                (u.type_struct,),
                ("PU",),
                (acad.name,),
                (u.street,),
                (u.postal_code,),
                (u.city,),
                ("",),
                (),
                (),
            ),
        )
        for u in structures
    ]


def unserved_staff(acad: Academie, ids: Ids, structures: tuple[Unserved, ...]) -> dict[str, list[Staff]]:
    """Teachers attached only to each unserved structure (by SJ). The zone's
    are secondary teachers waiting for a replacement (presence ``N``); the
    school's has no discipline, as 1st-degree teachers (`` `` padded)."""
    rng = random.Random(f"{acad.seed}:shapes:unserved-staff")
    disciplines = sorted({(v[1], v[2]) for v in SUBJECTS.values()})
    out = {}
    for u in structures:
        if u.kind == "replacement_zone":
            out[u.sj] = structure_teachers(acad, ids, rng, u.sj, rng.sample(disciplines, u.teachers), "N")
        else:
            out[u.sj] = structure_teachers(acad, ids, rng, u.sj, [(" ", " ")] * u.teachers, "O")
    return out
