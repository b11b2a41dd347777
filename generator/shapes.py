"""The shapes real AAF deliveries come in (formats §1), besides the one first imagined.

- Format versions (``--format-version``): ``VE1803`` is the default layout of
  :mod:`aaf_writer`; ``VE1301`` lacks the INE, the teacher category, the STS
  id, the students' mail and phone and the guardians' children, mobile and
  mail, and carries the older relation attributes (``ENTEleveParents``,
  ``ENTElevePere``/``Mere``, ``ENTElevePersRelEleve1/2`` with their
  ``Qualite``), older lien codes and, now and then, an empty value in
  ``ENTElevePersRelEleve``; ``VE2407`` adds header comments, ``$``-compound
  structure names and the students' class entry/exit dates, and lacks the
  teacher category (as the 2025 files that omit it).
- File names off the convention (``--names``).
- The staff mix of real files (``--real-shapes``): presence ``N`` for half of
  the teachers and documentalists, no function for a third of the
  non-teaching staff, ``Mlle``; and two structures the ENT does not serve, a
  replacement zone whose UAI fails the check letter and a 1st-degree school,
  each with teachers attached to it only.

Everything here turns records of the default layout into another, or adds
records, with random streams of its own (seeded with the seed and a name):
the people and their ids are the same whatever the shape, and the default
output does not change.  Like the rest of the generator, nothing here comes
from the parsers, which these files are meant to check.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from .aaf_writer import ATTRIBUTES, EMPTY, Record, Values
from .academie.churn import arrival_date
from .academie.identifiers import Ids, uai_check_letter, wrong_check_letter
from .academie.model import Academie, Population, Staff
from .academie.names import ETAB_NAMES
from .academie.nomenclature import SUBJECTS
from .academie.population import structure_teachers

VERSIONS = ("VE1301", "VE1803", "VE2407")
DEFAULT_VERSION = "VE1803"
NAME_STYLES = ("conventional", "full-source", "ent-no-uai", "ent2dva")
OLD_RELATIONS = (
    "ENTEleveParents",
    "ENTElevePere",
    "ENTEleveMere",
    "ENTElevePersRelEleve1",
    "ENTEleveQualitePersRelEleve1",
    "ENTElevePersRelEleve2",
    "ENTEleveQualitePersRelEleve2",
)
CLASS_DATES = ("ENTEleveDateEntreeClasses", "ENTEleveDateSortieClasses")
# SIECLE lien code -> the older AAF code: 1 père, 2 mère, 3 tuteur are known (formats §1); the others
# (4 other family member, 5 social services, 6 other) are *uncertain*.
OLD_LIEN = {
    "20": "1",
    "10": "2",
    "50": "3",
    "37": "4",
    "38": "4",
    "39": "4",
    "51": "5",
    "41": "6",
    "42": "6",
    "70": "6",
    "90": "6",
}
QUALITE = {"20": "PERE", "10": "MERE", "50": "TUTEUR"}
# Official académie codes, for VE2407's codeAcademieExport.
ACADEMY_CODES = {"GRENOBLE": "08", "LYON": "10", "NANTES": "17"}
# The values of the VE2407 header comments are *uncertain*: formats §1 names them only.
SDET_VERSION = "7.0"
EMPTY_ITEM_VE1301 = "<value></value>"  # spelled out, as some VE1301 exporters do
EMPTY_RELATION_ONE_IN = 25  # VE1301 students with an empty value in their relation list
ZONE_TEACHERS = 3
UNSERVED_KINDS = ("replacement_zone", "ecole")


def _without(names: tuple[str, ...], *drop: str) -> tuple[str, ...]:
    return tuple(n for n in names if n not in drop)


def _after(names: tuple[str, ...], anchor: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    i = names.index(anchor) + 1
    return names[:i] + extra + names[i:]


LAYOUTS = {
    "VE1803": ATTRIBUTES,
    "VE1301": {
        **ATTRIBUTES,
        "Eleve": _after(
            _without(ATTRIBUTES["Eleve"], "ENTEleveINE", "mail", "homePhone"),
            "ENTEleveAutoriteParentale",
            OLD_RELATIONS,
        ),
        "PersRelEleve": _without(ATTRIBUTES["PersRelEleve"], "mobile", "mail", "ENTAuxPersRelEleveEleve"),
        "PersEducNat": _without(ATTRIBUTES["PersEducNat"], "ENTPersonCategorieEnseignant", "ENTPersonSTSId"),
    },
    "VE2407": {
        **ATTRIBUTES,
        "Eleve": _after(ATTRIBUTES["Eleve"], "ENTEleveGroupes", CLASS_DATES),
        "PersEducNat": _without(ATTRIBUTES["PersEducNat"], "ENTPersonCategorieEnseignant"),
    },
}


@dataclass(frozen=True, slots=True)
class Shape:
    """The shape of the deliveries of one run (the generator's options)."""

    version: str = DEFAULT_VERSION
    names: str = "conventional"
    real: bool = False

    @property
    def default(self) -> bool:
        return self == Shape()

    @property
    def empty_item(self) -> str:
        return EMPTY_ITEM_VE1301 if self.version == "VE1301" else EMPTY


# --------------------------------------------------------------------------- files


def header(version: str, acad: Academie, on: str) -> str:
    """The comment lines after the DOCTYPE of every part of a delivery made on ``on`` (YYYYMMDD)."""
    lines = f'<!-- versionAF="AAF-{version}" -->\n'
    if version == "VE2407":
        lines += (
            f'<!-- versionSDET="{SDET_VERSION}" -->\n'
            f'<!-- codeAcademieExport="{ACADEMY_CODES.get(acad.name, "00")}" -->\n'
            '<!-- degre="2" -->\n'
            f'<!-- dateGenerationExport="{on[6:]}/{on[4:6]}/{on[:4]}" -->\n'
        )
    return lines


def file_stem(style: str, prefix: str, kind: str, on: str, category: str) -> str:
    """Part file name without ``_NNNN.xml``. ``full-source`` names only complete
    deliveries ``FULL_<prefix>_…`` (a delta called FULL would contradict
    itself: its deltas keep the conventional name); ``ent-no-uai`` and
    ``ent2dva`` replace the prefix."""
    lead = {
        "conventional": prefix,
        "full-source": f"FULL_{prefix}" if kind == "Complet" else prefix,
        "ent-no-uai": "ENT",
        "ent2dva": "ENT2DVA-ENT16",
    }[style]
    return f"{lead}_{kind}_{on}_{category}"


# --------------------------------------------------------------------------- versions


@dataclass(slots=True)
class History:
    """What a VE2407 student's class dates need: entries after the rentrée and class changes."""

    school_year: int
    arrivals: dict[str, date]
    moves: dict[str, tuple[str, date]]  # jointure -> (previous class, date of the change)

    @classmethod
    def of(cls, acad: Academie, churn=None, first: str = "", second: str = "") -> History:
        if churn is None:
            return cls(acad.school_year, {}, {})
        arrivals = {j: arrival_date(j, first, second, acad.school_year) for j in churn.arrived}
        # the day after some arrival date: the old class is left the day before, not before the rentrée
        moves = {
            j: (old, arrival_date(f"{j}:class", first, second, acad.school_year) + timedelta(days=1))
            for j, old, _ in churn.class_changes
        }
        return cls(acad.school_year, arrivals, moves)


def _fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _one(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(values) or ("",)


def _old_relations(seed: int, ident: str, rels: tuple[str, ...]) -> dict[str, Values]:
    """VE1301 relation attributes from the VE1803 ``relId$lien$fin$legal$contact$paiement`` list."""
    parts = [r.split("$") for r in rels]
    listed = tuple("$".join([p[0], OLD_LIEN.get(p[1], "6"), *p[2:]]) for p in parts)
    if zlib.crc32(f"{seed}:empty-relation:{ident}".encode()) % EMPTY_RELATION_ONE_IN == 0:
        listed += ("",)
    legal = [p for p in parts if p[3] == "1"][:2] + [None, None]
    out = {
        "ENTElevePersRelEleve": listed,
        "ENTEleveParents": _one([p[0] for p in parts if p[1] in ("10", "20")]),
        "ENTElevePere": _one([p[0] for p in parts if p[1] == "20"][:1]),
        "ENTEleveMere": _one([p[0] for p in parts if p[1] == "10"][:1]),
    }
    for n, p in enumerate(legal[:2], 1):
        out[f"ENTElevePersRelEleve{n}"] = (p[0],) if p else ("",)
        out[f"ENTEleveQualitePersRelEleve{n}"] = (QUALITE.get(p[1], ""),) if p else ("",)
    return out


def _class_dates(history: History, ident: str, classes: tuple[str, ...]) -> dict[str, Values]:
    """VE2407 ``SJ$dd/mm/yyyy$class`` entry and exit dates of the student's classes this year."""
    sj, code = classes[0].split("$", 1)
    entered = history.arrivals.get(ident, date(history.school_year, 9, 1))
    if ident in history.moves:
        old, moved = history.moves[ident]
        return {
            "ENTEleveDateEntreeClasses": (f"{sj}${_fr(entered)}${old}", f"{sj}${_fr(moved)}${code}"),
            "ENTEleveDateSortieClasses": (f"{sj}${_fr(moved - timedelta(days=1))}${old}",),
        }
    return {"ENTEleveDateEntreeClasses": (f"{sj}${_fr(entered)}${code}",), "ENTEleveDateSortieClasses": ("",)}


def _compound_name(name: str, city: str) -> str:
    """``CLG-JEAN MOULIN-ac-LYON`` as VE2407 spells it: ``CLG$CLG JEAN MOULIN$LYON``.
    Names outside that pattern (a replacement zone's) stay as they are."""
    if "-ac-" not in name or "-" not in name.split("-ac-")[0]:
        return name
    kind, base = name.rsplit("-ac-", 1)[0].split("-", 1)
    return f"{kind}${kind} {base}${city}"


def in_version(
    version: str, category: str, records: list[Record], seed: int = 0, history: History | None = None
) -> list[Record]:
    """``records`` of the default layout (VE1803) in the layout of ``version``."""
    if version == DEFAULT_VERSION:
        return records
    at = {n: i for i, n in enumerate(ATTRIBUTES[category])}
    names = LAYOUTS[version][category]
    out = []
    for ident, values in records:
        own: dict[str, Values] = {}
        if category == "Eleve" and version == "VE1301":
            own = _old_relations(seed, ident, values[at["ENTElevePersRelEleve"]])
        elif category == "Eleve" and version == "VE2407":
            if history is None:
                raise ValueError("VE2407 students need the History of their classes")
            own = _class_dates(history, ident, values[at["ENTEleveClasses"]])
        elif category == "EtabEducNat" and version == "VE2407":
            own = {
                "ENTStructureNomCourant": (_compound_name(values[at["ENTStructureNomCourant"]][0], values[at["l"]][0]),)
            }
        out.append((ident, tuple(own[n] if n in own else values[at[n]] for n in names)))
    return out


# --------------------------------------------------------------------------- the staff mix of real files


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


# --------------------------------------------------------------------------- structures the ENT does not serve


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
