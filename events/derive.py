"""What the read model derives from an AAF person record (formats §1):
profile, national function, structures, classes and groups, guardian links.
Pure functions of the attribute map."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from events.personal import ERASED
from events.rules import looks_like_couple, national_function, normalised_identity, staff_profile

# How the read model writes JSON columns (stable: a rebuild compares them as text).
dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode

PROFILE_OF_CATEGORY = {"Eleve": "ELEVE", "PersRelEleve": "PARENT"}


def first(attrs: Mapping[str, list[str]], name: str) -> str:
    values = attrs.get(name) or [""]
    return values[0]


def function_codes(attrs: Mapping[str, list[str]]) -> list[str]:
    return [v.split("$")[1] for v in attrs.get("ENTPersonFonctions", []) if v.count("$") >= 1]


def profile(category: str, attrs: Mapping[str, list[str]]) -> str:
    """ELEVE, PARENT, ENSEIGNANT or NON_ENSEIGNANT (domain-rules §1)."""
    if category in PROFILE_OF_CATEGORY:
        return PROFILE_OF_CATEGORY[category]
    return staff_profile(
        first(attrs, "ENTPersonCategorieEnseignant"),
        first(attrs, "PersEducNatPresenceDevantEleves"),
        function_codes(attrs),
    )


def function(category: str, attrs: Mapping[str, list[str]]) -> str:
    return national_function(function_codes(attrs)) if category == "PersEducNat" else ""


def _sj_pairs(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for v in values:
        sj, _, rest = v.partition("$")
        if sj and rest:
            out.append((sj, rest.split("$")[0]))
    return out


def memberships(category: str, attrs: Mapping[str, list[str]]) -> set[tuple[str, str, str]]:
    """(structure jointure, 'class'|'group', code) of a student or a teacher."""
    if category == "Eleve":
        names = (("ENTEleveClasses", "class"), ("ENTEleveGroupes", "group"))
    elif category == "PersEducNat":
        names = (("ENTAuxEnsClasses", "class"), ("ENTAuxEnsGroupes", "group"))
    else:
        return set()
    return {(sj, kind, code) for attr, kind in names for sj, code in _sj_pairs(attrs.get(attr, []))}


def structures(category: str, attrs: Mapping[str, list[str]]) -> set[str]:
    """Structure jointures a student or staff member belongs to (guardians
    belong to their students' structures, derived in the read model)."""
    out = {sj for sj, _, _ in memberships(category, attrs)}
    out.update(v for v in attrs.get("ENTPersonStructRattach", []) if v)
    if category == "PersEducNat":
        out.update(v.split("$")[0] for v in attrs.get("ENTPersonFonctions", []) if v.split("$")[0] not in ("", "-"))
    return out


def guardian_links(attrs: Mapping[str, list[str]]) -> dict[str, tuple[str, str]]:
    """guardian jointure → (respLegal, lien) of a student's guardians (formats
    §1; a respLegal 1 or 2 makes the guardian's account, domain-rules §1):
    from ENTElevePersRelEleve, and from the older relation attributes for
    the guardians it does not name."""
    out = {}
    for v in attrs.get("ENTElevePersRelEleve", []):
        parts = v.split("$")
        if len(parts) >= 4 and parts[0]:  # an empty <value></value> occurs: skipped
            out[parts[0]] = (parts[3], parts[1])

    # formats §1 is uncertain about the older attributes; tolerant decision:
    # a guardian named by ENTElevePere, ENTEleveMere, ENTElevePersRelEleve1/2,
    # ENTEleveParents or ENTEleveAutoriteParentale (each value: the jointure,
    # anything after a "$" ignored) and not by ENTElevePersRelEleve is a legal
    # representative ("1") when ENTEleveAutoriteParentale lists them or is
    # absent or empty, else "0"; lien from the first naming attribute: père
    # 20, mère 10, ENTEleveQualitePersRelEleve1/2 PERE 20, MERE 10, TUTEUR 50
    # (a numeric quality kept as the code), otherwise 90 (autre lien).
    def ids(name: str) -> list[str]:
        return [j for j in (v.split("$")[0].strip() for v in attrs.get(name, [])) if j]

    authority = ids("ENTEleveAutoriteParentale")
    named: dict[str, str] = {}
    for name, lien in (("ENTElevePere", "20"), ("ENTEleveMere", "10")):
        for j in ids(name):
            named.setdefault(j, lien)
    for n in ("1", "2"):
        quality = ((attrs.get(f"ENTEleveQualitePersRelEleve{n}") or [""])[0]).strip().upper()
        lien = quality if quality.isdigit() else _QUALITY_LIEN.get(quality, "90")
        for j in ids(f"ENTElevePersRelEleve{n}"):
            named.setdefault(j, lien)
    for j in ids("ENTEleveParents") + authority:
        named.setdefault(j, "90")
    for j, lien in named.items():
        if j not in out:
            out[j] = ("1" if not authority or j in authority else "0", lien)
    return out


# ENTEleveQualitePersRelEleve1/2 → SIECLE lien code (formats §1, uncertain values).
_QUALITY_LIEN = {"PERE": "20", "PÈRE": "20", "MERE": "10", "MÈRE": "10", "TUTEUR": "50", "TUTRICE": "50"}


def couple_flag(category: str, attrs: Mapping[str, list[str]]) -> bool:
    """A guardian whose name holds two persons (domain-rules §5)."""
    return category == "PersRelEleve" and looks_like_couple(first(attrs, "givenName"), first(attrs, "sn"))


def identity(category: str, attrs: Mapping[str, list[str]]) -> str:
    """Key under which two records are suspected to be one person (domain-rules
    §5): normalised name and birth date; for guardians, name and contact data.
    Empty when the record does not carry enough to compare."""
    if ERASED in (first(attrs, "sn"), first(attrs, "givenName")):
        return ""  # an erased person (issue 17) is no one's duplicate: all of them read alike
    name = normalised_identity(first(attrs, "sn"), first(attrs, "givenName"))
    if not name:
        return ""
    if category == "PersRelEleve":
        contact = next(
            (first(attrs, a) for a in ("mail", "mobile", "homePhone", "telephoneNumber") if first(attrs, a)), ""
        )
        return f"{name}|{contact.lower()}" if contact else ""
    birth = first(attrs, "ENTPersonDateNaissance")
    return f"{name}|{birth}" if birth else ""


def usable(attrs: dict[str, list[str]], set_aside: Collection[str]) -> dict[str, list[str]]:
    """The record as the directory uses it: the attributes set aside for an
    implausible value (domain-rules §12) are empty."""
    return {name: [] if name in set_aside else values for name, values in attrs.items()} if set_aside else attrs


@dataclass(frozen=True)
class AccountSource:
    """Everything the accounts read model derives from one person record:
    the columns, and the structures, memberships and guardian links it
    replaces (None where the category has none)."""

    profile: str
    function: str
    couple_flag: int
    identity: str
    attrs: str  # the attribute map as the read model stores it (dumps)
    structures: set[str] | None
    memberships: set[tuple[str, str, str]] | None
    links: dict[str, tuple[str, str]] | None


def account_source(category: str, attrs: Mapping[str, list[str]]) -> AccountSource:
    """What the read model derives from a person record (pure, one place)."""
    guardian = category == "PersRelEleve"
    return AccountSource(
        profile=profile(category, attrs),
        function=function(category, attrs),
        couple_flag=int(couple_flag(category, attrs)),
        identity=identity(category, attrs),
        attrs=dumps(attrs),
        structures=None if guardian else structures(category, attrs),
        memberships=None if guardian else memberships(category, attrs),
        links=guardian_links(attrs) if category == "Eleve" else None,
    )
