"""Pure rules of SIECLE facts (formats §2; domain-rules §4, §5, §11): what
of a record is kept, its digest, what changed between two snapshots of one
establishment, when a leaving date means "gone", and how a SIECLE record is
correlated to an AAF account. No I/O: the use cases
(events/usecases/siecle_*.py) feed these functions with rows they read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from adapters.siecle.records import LEVEL_CONTACT, SiecleAddress, SiecleGuardian, SiecleLink, SiecleStudent
from events.personal import keyed
from events.rules import normalised_identity

# What a student record keeps (the identity for overwrite detection, the
# class and groups, the dates). ``left_on``/``leaving_reason`` are recorded
# by their own fact (LeavingDateSet), the rest by Changed.
STUDENT_FIELDS = (
    "ine",
    "elenoet",
    "family_name",
    "usage_name",
    "given_name",
    "given_name2",
    "given_name3",
    "birth_date",
    "sex",
    "division",
    "groups",
    "mef",
    "status",
    "regime",
    "entered_on",
    "left_on",
    "leaving_reason",
)
LEAVING_FIELDS = ("left_on", "leaving_reason")
STUDENT_CHANGED_FIELDS = tuple(f for f in STUDENT_FIELDS if f not in LEAVING_FIELDS)
IDENTITY_FIELDS = ("family_name", "usage_name", "given_name", "birth_date")
GUARDIAN_FIELDS = (
    "civility",
    "family_name",
    "usage_name",
    "given_name",
    "phone_home",
    "phone_mobile",
    "phone_work",
    "email",
    "profession",
    "address",
)
LINK_FIELDS = ("level", "kinship", "pays_fees", "priority_contact")

# Correlation rules (domain-rules §11), as recorded on AccountLinked.
RULE_ELEVE_ID = "eleve_id"  # ELEVE_ID = AAF ENTEleveStructRattachId, same UAI
RULE_INE = "ine"  # INE = AAF ENTEleveINE
RULE_PERSONNE_ID = "personne_id"  # PERSONNE_ID = AAF jointure of a PersRelEleve
RULE_NAME_AND_STUDENT = "name_and_student"  # same name, guardian of the linked student's account
# Why a link stays unresolved (LinkUnresolved.reason).
NO_ACCOUNT = "no_account"
AMBIGUOUS = "ambiguous"


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def student_values(s: SiecleStudent) -> dict[str, Any]:
    """The kept values of a student record: strings, dates as ISO text,
    groups sorted (their order in the file means nothing)."""
    return {
        "ine": s.ine,
        "elenoet": s.elenoet,
        "family_name": s.family_name,
        "usage_name": s.usage_name,
        "given_name": s.given_name,
        "given_name2": s.given_name2,
        "given_name3": s.given_name3,
        "birth_date": _iso(s.birth_date),
        "sex": s.sex,
        "division": s.division or "",
        "groups": sorted(s.groups),
        "mef": s.mef,
        "status": s.status,
        "regime": s.regime,
        "entered_on": _iso(s.entered_on),
        "left_on": _iso(s.left_on),
        "leaving_reason": s.leaving_reason,
    }


def guardian_values(g: SiecleGuardian, address: SiecleAddress | None) -> dict[str, Any]:
    """The kept values of a person of BEE_RESPONSABLES, its address inlined
    (a shared address that changes changes every person using it)."""
    addr = (
        {}
        if address is None
        else {
            "lines": list(address.lines),
            "postal_code": address.postal_code,
            "commune_insee": address.commune_insee,
            "postal_label": address.postal_label,
            "country": address.country,
        }
    )
    return {
        "civility": g.civility,
        "family_name": g.family_name,
        "usage_name": g.usage_name,
        "given_name": g.given_name,
        "phone_home": g.phone_home,
        "phone_mobile": g.phone_mobile,
        "phone_work": g.phone_work,
        "email": g.email,
        "profession": g.profession,
        "address": addr,
    }


def link_values(link: SiecleLink) -> dict[str, Any]:
    """A student↔person link: level 1 legal, 2 en charge, 3 contact (formats §2)."""
    return {
        "level": link.level,
        "kinship": link.kinship,
        "pays_fees": link.pays_fees,
        "priority_contact": link.priority_contact,
    }


def links_by_student(links: Iterable[SiecleLink]) -> dict[str, dict[str, dict[str, Any]]]:
    """ELEVE_ID → PERSONNE_ID → link values."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for link in links:
        out.setdefault(link.eleve_id, {})[link.personne_id] = link_values(link)
    return out


def digest(pepper: bytes, values: Mapping[str, Any], purpose: str = "siecle-record") -> str:
    """Content identity of kept values (order of keys irrelevant), keyed with
    the store's pepper: the values are names and birth dates, which a plain
    hash would give away to anyone hashing likely ones. ``purpose``:
    ``siecle-record`` for a record, ``siecle-links`` for a student's links.
    Stored in the SIECLE read model: changing it makes the next export
    re-check every record (no event is recorded for a record whose values did
    not change)."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return keyed(pepper, purpose, canonical)


def changes(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{field: {"before": …, "after": …}}`` for the fields whose value differs."""
    return {f: {"before": before.get(f), "after": after.get(f)} for f in fields if before.get(f) != after.get(f)}


def leaving_status(left_on: str, today: date) -> str:
    """What a ``DATE_SORTIE`` means on ``today`` (formats §2, domain-rules §4,
    §11): ``departed`` when the date is past (the departure rule starts),
    ``scheduled`` when it is today or later (still present until then), ``""``
    without a date."""
    if not left_on:
        return ""
    return "departed" if date.fromisoformat(left_on) < today else "scheduled"


def account_levels(links: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when one of a person's links gives an account: level 1 or 2;
    a contact (level 3) gets none (domain-rules §1)."""
    return any(v["level"] != LEVEL_CONTACT for v in links.values())


# ---------------------------------------------------------------------- snapshot diff


class KnownRecord(NamedTuple):
    """What the read model holds of one SIECLE record (or a student's link set)."""

    digest: str
    present: bool


@dataclass(frozen=True)
class Plan:
    """What a snapshot changes against the read model's index of the
    establishment: keys to create, keys to update, keys gone."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    unchanged: int = 0


def plan_snapshot(known: Mapping[str, KnownRecord], current: Mapping[str, str], set_aside: Iterable[str] = ()) -> Plan:
    """Diff of a full export of one UAI (formats §2: an export is a snapshot).

    ``known``: key → what the read model holds; ``current``: key →
    digest of this export's records; ``set_aside``: keys this export rejected
    (a record rejected for a typo is not a departure). Keys sorted, so that
    the events come in a stable order."""
    added, changed, unchanged = [], [], 0
    for key in sorted(current):
        old = known.get(key)
        if old is None:
            added.append(key)
        elif old.digest != current[key] or not old.present:
            changed.append(key)
        else:
            unchanged += 1
    skip = set(set_aside)
    absent = [k for k in sorted(known) if known[k].present and k not in current and k not in skip]
    return Plan(tuple(added), tuple(changed), tuple(absent), unchanged)


# ---------------------------------------------------------------------- correlation


@dataclass(frozen=True)
class Candidate:
    """An AAF account as the correlation sees it (from the directory read model)."""

    account_id: str
    jointure: str
    eleve_id: str = ""  # ENTEleveStructRattachId
    ine: str = ""  # ENTEleveINE
    uais: frozenset[str] = field(default_factory=frozenset)  # UAIs of its ENTPersonStructRattach
    name: str = ""  # normalised identity (family name + first name)


@dataclass(frozen=True)
class Correlation:
    """The outcome for one SIECLE record: an account and the rule that found
    it, or no account and why (``no_account`` or ``ambiguous``)."""

    account_id: str = ""
    jointure: str = ""
    rule: str = ""
    reason: str = ""

    @property
    def resolved(self) -> bool:
        return bool(self.account_id)


def _single(found: list[Candidate], rule: str) -> Correlation | None:
    unique = {c.account_id: c for c in found}
    if len(unique) == 1:
        c = next(iter(unique.values()))
        return Correlation(c.account_id, c.jointure, rule)
    if len(unique) > 1:
        return Correlation(rule=rule, reason=AMBIGUOUS)
    return None


def correlate_student(
    uai: str, eleve_id: str, ine: str, by_eleve_id: Iterable[Candidate], by_ine: Iterable[Candidate]
) -> Correlation:
    """Student → account (domain-rules §11): ``ELEVE_ID`` = the account's
    ``ENTEleveStructRattachId`` at the same UAI, else the INE; several
    accounts for one key is ambiguous and stays unresolved: never guessed."""
    found = _single([c for c in by_eleve_id if c.eleve_id == eleve_id and uai in c.uais], RULE_ELEVE_ID)
    if found is not None:
        return found
    if ine:
        found = _single([c for c in by_ine if c.ine == ine], RULE_INE)
        if found is not None:
            return found
    return Correlation(reason=NO_ACCOUNT)


def guardian_names(values: Mapping[str, Any]) -> frozenset[str]:
    """Normalised identities of a SIECLE person: birth name and usage name,
    each with the first name (the AAF ``sn`` may hold either)."""
    return frozenset(
        n
        for n in (
            normalised_identity(values.get(f, ""), values.get("given_name", ""))
            for f in ("family_name", "usage_name")
            if values.get(f)
        )
        if n
    )


def correlate_guardian(
    personne_id: str, names: frozenset[str], by_jointure: Candidate | None, guardians_of_students: Iterable[Candidate]
) -> Correlation:
    """Guardian → account (domain-rules §11): ``PERSONNE_ID`` = the AAF
    jointure when an account has it, else the one guardian account of the
    linked students' accounts whose normalised name is one of ``names``
    (see guardian_names)."""
    if by_jointure is not None and by_jointure.jointure == personne_id:
        return Correlation(by_jointure.account_id, by_jointure.jointure, RULE_PERSONNE_ID)
    found = _single([c for c in guardians_of_students if c.name and c.name in names], RULE_NAME_AND_STUDENT)
    return found or Correlation(reason=NO_ACCOUNT)
