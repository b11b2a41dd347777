"""Matching (rapprochement) of a timetable or STS-web export against the
directory (formats §4 "Matching"; domain-rules §7, §11, §12): what a match
is, and how one person, class or group of an export is matched.

Pure: the caller loads a :class:`DirectoryView` of one establishment from
the read model. Teachers match on the STS id, then normalised name + birth
date; students on INE or ``ELEVE_ID``, then name + birth date; classes and
groups on their code. A candidate is taken only when it is the only one (the
establishment's own accounts first); anything else is listed as unmatched
with why and, for a person, the accounts of the same name an operator may
choose (``candidates``) — never guessed. Older exports carry neither
``IDSTS`` nor birth dates for teachers: an operator matches them by hand, and
the match is remembered for the later imports of the year, keyed on the
export's ident *and* the name (asked again when the name changes).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from events.personal import keyed
from events.rules import normalised_identity
from events.timetable.snapshot import Snapshot

STAFF = frozenset({"ENSEIGNANT", "NON_ENSEIGNANT"})
STUDENTS = frozenset({"ELEVE"})
PROFILES = {"teacher": STAFF, "student": STUDENTS}
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Person:
    """What matching needs of one account of the directory."""

    jointure: str
    profile: str
    identity: str = ""  # normalised name|DD/MM/YYYY, as the read model's accounts.identity
    sts_id: str = ""
    ine: str = ""
    eleve_id: str = ""
    local: bool = False  # attached to the establishment being imported
    name: str = ""  # normalised name, when the identity has no birth date to go with it


@dataclass(frozen=True)
class DirectoryView:
    """The directory as one establishment's import sees it."""

    uai: str
    known: bool
    classes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Match:
    """One item of the export and what it matched. ``code`` is a source
    identifier (STS id, ELEVE_ID, class or group code), never a name;
    ``name`` a digest of a person's normalised name, so that a match made by
    hand is asked again when the name changes."""

    kind: str  # teacher | student | class | group
    ident: str  # EDT @Ident, STS INDIVIDU/@ID, or the code itself
    code: str
    key: str  # matched jointure or code; '' when unmatched
    by: str  # sts_id | ine | eleve_id | name_birth_date | code | to_create | hand | remembered | ''
    reason: str  # '' when matched; not_found | ambiguous | no_identity | name_changed
    line: int = 0
    name: str = ""
    candidates: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return bool(self.key)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["candidates"] = list(self.candidates)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Match:
        """A stored match; those recorded before hand matching lack name and candidates."""
        return cls(
            d["kind"],
            d["ident"],
            d["code"],
            d["key"],
            d["by"],
            d["reason"],
            int(d.get("line") or 0),
            d.get("name", ""),
            tuple(d.get("candidates", ())),
        )


@dataclass(frozen=True)
class Remembered:
    """A match made by hand on an earlier import of the year (or on the import
    this one replaces): ``name`` as in :attr:`Match.name`."""

    kind: str
    ident: str
    name: str
    key: str


@dataclass(frozen=True)
class Matched:
    """An export read against the directory."""

    snapshot: Snapshot
    matches: tuple[Match, ...]
    summary: dict[str, tuple[int, int]]  # classes/groupes/enseignants → (imported, not imported)
    plan: dict[str, Any] = field(default_factory=dict)
    not_imported: tuple[dict[str, Any], ...] = ()
    set_aside_share: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind → (set aside, read)


def person_identity(family_name: str, given_name: str, birth: date | None) -> str:
    """The key accounts.identity holds: normalised name and AAF birth date
    (domain-rules §5); empty without a name or a birth date."""
    name = normalised_identity(family_name, given_name)
    return f"{name}|{birth.strftime('%d/%m/%Y')}" if name and birth else ""


def name_digest(pepper: bytes, family_name: str, given_name: str) -> str:
    """A short digest of a normalised name, the second half of the key of a
    remembered hand match: keyed with the store's pepper (a plain hash of a
    name is found again by hashing a list of names); it never leaves the store."""
    name = normalised_identity(family_name, given_name)
    return keyed(pepper, "timetable-name", name, 16) if name else ""


def code_digest(code: str) -> str:
    """The "name" of a class or group, for remembered mappings: its code as written."""
    return hashlib.sha256(f"timetable-code\0{code}".encode()).hexdigest()[:16]


class DirectoryIndex:
    def __init__(self, view: DirectoryView, pepper: bytes):
        self.pepper = pepper
        self.by: dict[tuple[str, str], list[Person]] = defaultdict(list)
        self.names: dict[str, list[Person]] = defaultdict(list)
        self.families: dict[str, list[Person]] = defaultdict(list)
        for p in view.people:
            for fld in ("sts_id", "ine", "eleve_id", "identity"):
                value = getattr(p, fld)
                if value:
                    self.by[(fld, value)].append(p)
            name = p.name or p.identity.split("|", 1)[0]
            if name and p.local:
                self.names[name].append(p)
                self.families[name.split(" ", 1)[0]].append(p)

    def match(
        self,
        kind: str,
        ident: str,
        code: str,
        line: int,
        keys: list[tuple[str, str]],
        identity: str,
        family: str,
        given: str,
    ) -> Match:
        profiles = PROFILES[kind]
        ambiguous = False
        digest = name_digest(self.pepper, family, given)
        for fld, value in [*keys, ("identity", identity)]:
            if not value:
                continue
            found = [p for p in self.by.get((fld, value), ()) if p.profile in profiles]
            if len(found) > 1:
                found = [p for p in found if p.local] or found
            if len(found) == 1:
                by = "name_birth_date" if fld == "identity" else fld
                return Match(kind, ident, code, found[0].jointure, by, "", line, digest)
            ambiguous = ambiguous or len(found) > 1
        reason = "ambiguous" if ambiguous else ("not_found" if identity or any(v for _, v in keys) else "no_identity")
        return Match(kind, ident, code, "", "", reason, line, digest, self.candidates(family, given, profiles))

    def candidates(self, family: str, given: str, profiles: frozenset[str]) -> tuple[str, ...]:
        """Accounts of the establishment an operator may choose: the same
        normalised name first, then the same family name (a given name
        written otherwise); at most MAX_CANDIDATES."""
        name = normalised_identity(family, given)
        if not name:
            return ()
        fam = normalised_identity(family, "").split(" ", 1)[0]
        found = [p.jointure for p in self.names.get(name, ()) if p.profile in profiles]
        found += [p.jointure for p in self.families.get(fam, ()) if p.profile in profiles and p.jointure not in found]
        return tuple(found[:MAX_CANDIDATES])


def remembered_match(m: Match, remembered: dict[tuple[str, str], Remembered]) -> Match:
    """An unmatched item matched by an earlier hand match of the same ident;
    asked again (``name_changed``) when the name is no longer the same."""
    if m.matched:
        return m
    r = remembered.get((m.kind, m.ident))
    if r is None:
        return m
    if r.name != m.name:
        return Match(m.kind, m.ident, m.code, "", "", "name_changed", m.line, m.name, m.candidates)
    return Match(m.kind, m.ident, m.code, r.key, "remembered", "", m.line, m.name)


def structure_match(
    kind: str, ident: str, code: str, known: frozenset[str], line: int, remembered: dict[tuple[str, str], Remembered]
) -> Match:
    """A class or group on its code. A class the directory does not have is
    not imported (classes come from the AAF); a group it does not have is
    imported as a group to create (seed 004 "groupes d'option à créer")."""
    name = code_digest(code)
    if code in known:
        return Match(kind, ident, code, code, "code", "", line, name)
    m = remembered_match(Match(kind, ident, code, "", "", "not_found", line, name), remembered)
    if m.matched or kind == "class" or m.reason == "name_changed":
        return m
    return Match(kind, ident, code, code, "to_create", "", line, name)


def rematch(matched_before: tuple[Match, ...], kind: str, ident: str, key: str) -> tuple[Match, ...]:
    """The matches with ``ident`` matched by hand to ``key``."""
    return tuple(
        Match(m.kind, m.ident, m.code, key, "hand", "", m.line, m.name) if (m.kind, m.ident) == (kind, ident) else m
        for m in matched_before
    )
