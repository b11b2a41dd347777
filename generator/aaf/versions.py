"""The AAF format versions besides the default layout (``--format-version``).

``VE1803`` is the default layout (``layout``); ``VE1301`` lacks the INE, the
teacher category, the STS id, the students' mail and phone and the
guardians' children, mobile and mail, and carries the older relation
attributes (``ENTEleveParents``, ``ENTElevePere``/``Mere``,
``ENTElevePersRelEleve1/2`` with their ``Qualite``), older lien codes and,
now and then, an empty value in ``ENTElevePersRelEleve``; ``VE2407`` adds
header comments, ``$``-compound structure names and the students' class
entry/exit dates, and lacks the teacher category (as the 2025 files that
omit it).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from ..academie.churn import arrival_date
from ..academie.model import Academie
from ..dates import french
from .layout import ATTRIBUTES, Record, Values

VERSIONS = ("VE1301", "VE1803", "VE2407")
DEFAULT_VERSION = "VE1803"
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
EMPTY_ITEM_VE1301 = "<value></value>"  # spelled out, as some VE1301 exporters do
EMPTY_RELATION_ONE_IN = 25  # VE1301 students with an empty value in their relation list


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
            "ENTEleveDateEntreeClasses": (f"{sj}${french(entered)}${old}", f"{sj}${french(moved)}${code}"),
            "ENTEleveDateSortieClasses": (f"{sj}${french(moved - timedelta(days=1))}${old}",),
        }
    return {"ENTEleveDateEntreeClasses": (f"{sj}${french(entered)}${code}",), "ENTEleveDateSortieClasses": ("",)}


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
