"""How likely two accounts are one person (suspected duplicates, domain-rules §5, issue 15).

A record typed twice in SIECLE gives two accounts: a pupil typed again in a new file, a
guardian not "rapproché" across siblings (one parent, two guardian records, often with
another e-mail). Exact keys miss the second; this rule scores a pair from what the
directory keeps, 0..1, with the reasons (stable codes, never values):

- **names** through the identity rule (events/identity_rules.py, the one similarity of
  persons): the given name leads, a civility that changes with it is the other parent;
  a family name replaced costs more here than there (two records of one person rarely
  carry two family names, two pupils often do);
- **birth date** equal, close (a typo), different (homonyms, a parent typed over a child),
  or unknown (guardians mostly): for pupils and staff a different date is strong evidence
  of two persons, an unknown one no evidence;
- for **guardians**, who carry no birth date, what links the two records to one person:
  the same e-mail, phone or address, a child in common, or children who are siblings
  (the same family name and address). Two guardians of one name with none of these are
  likely homonyms (two establishments, two families), and score about half.

Twins share a family name, a birth date and often an address; their given names tell
them apart, so the name factor keeps them low.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from events.identity_rules import BIRTH_CORRECTED, Identity, birth_similarity, identity_verdict, words
from events.personal import ERASED

# A pair is listed (`entsync anomalies`, `entsync duplicates`) from this score.
SUSPECTED = 0.7
# The birth date's factor for pupils and staff: a corrected date, another date (homonyms),
# no date on one side (cannot tell, so the pair stays below SUSPECTED unless names are
# all that the directory has).
BIRTH_CLOSE = 0.8
BIRTH_DIFFERENT = 0.2
BIRTH_UNKNOWN = 0.75
# Two records of one person rarely differ in their whole family name (the
# overwrite rule forgives it, a married name on one record): two pupils of
# similar given names and birth dates with other family names are two pupils.
FAMILY_DIFFERENT = 0.6
# Guardians: how much each link weighs as evidence of one person (combined as
# independent evidence, 1 - Π(1 - w)); with none, the name counts for half.
LINKS = {
    "same_email": 0.9,
    "same_phone": 0.85,
    "shared_child": 0.8,
    "siblings": 0.7,
    "same_address": 0.5,
}
WITHOUT_LINKS = 0.5


# The given name's first letters in the second block: a typo later in the name
# (Mathieu/Matthieu) stays in the block, another given name does not. A typo in
# the given name's initial and in the birth date at once is missed.
GIVEN_LETTERS = 2


def _value(attrs: Mapping[str, list[str]], name: str) -> str:
    values = attrs.get(name) or [""]
    return values[0] or ""


def duplicate_keys(attrs: Mapping[str, list[str]]) -> tuple[str, str]:
    """The two blocks an AAF record is compared in (no pair across blocks is
    scored, so that finding candidates is not quadratic): its normalised
    family name with the given name's initial, and the given name's first
    letters with the birth date (a family name changed: a usage name, a
    retyping). "" when the record lacks what a block needs."""
    if ERASED in (_value(attrs, "sn"), _value(attrs, "givenName")):
        return "", ""  # erased persons (issue 17) all read alike: no block of their own
    family = "".join(words(_value(attrs, "sn")))
    given = "".join(words(_value(attrs, "givenName")))
    birth = _value(attrs, "ENTPersonDateNaissance")
    if len(birth) == 10 and birth[2] == "/":
        birth = f"{birth[6:]}-{birth[3:5]}-{birth[:2]}"
    return (
        f"{family}|{given[:1]}" if family and given else "",
        f"{given[:GIVEN_LETTERS]}|{birth}" if given and birth else "",
    )


@dataclass(frozen=True)
class Person:
    """An account as the duplicate rule reads it. Contacts are normalised by the
    caller (projections/duplicate_candidates.py); ``children`` are the students
    a guardian is linked to, ``families`` the sibling keys of those children
    (family name and address)."""

    key: str
    guardian: bool
    identity: Identity
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()
    children: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DuplicateScore:
    score: float  # 0..1, 1 = certainly one person
    reasons: tuple[str, ...]


def _birth(a: str, b: str) -> tuple[float, str]:
    found = birth_similarity(a, b)
    if found is None:
        return BIRTH_UNKNOWN, "birth_unknown"
    if found == 1.0:
        return 1.0, "birth_equal"
    if found >= BIRTH_CORRECTED:
        return BIRTH_CLOSE, "birth_close"
    return BIRTH_DIFFERENT, "birth_different"


def _links(a: Person, b: Person) -> list[str]:
    found = [
        ("same_email", a.emails & b.emails),
        ("same_phone", a.phones & b.phones),
        ("shared_child", a.children & b.children),
        ("siblings", (a.families & b.families) and not (a.children & b.children)),
        ("same_address", a.addresses & b.addresses),
    ]
    return [code for code, shared in found if shared]


def evidence(a: Person, b: Person) -> DuplicateScore:
    """What is not the names: the birth date and, for guardians, their links.
    Its score bounds the pair's (the names' factor is at most 1), so that a
    listing skips the names of a pair that cannot reach its threshold."""
    birth, birth_reason = _birth(a.identity.birth_date, b.identity.birth_date)
    if not (a.guardian and b.guardian):
        return DuplicateScore(birth, (birth_reason,))
    score, reasons = 1.0, []
    if birth_reason != "birth_unknown":  # a guardian's date, when both have one, still tells
        score, reasons = birth, [birth_reason]
    links = _links(a, b)
    doubt = 1.0
    for code in links:
        doubt *= 1 - LINKS[code]
    score *= WITHOUT_LINKS + (1 - WITHOUT_LINKS) * (1 - doubt)
    return DuplicateScore(score, (*reasons, *(links or ["no_shared_contact"])))


def duplicate_score(a: Person, b: Person) -> DuplicateScore:
    """The score of ``a`` and ``b`` being one person, with its reasons."""
    # Names only: the birth date is weighed here, as evidence between two records,
    # not as the correction the overwrite rule forgives.
    names = identity_verdict(replace(a.identity, birth_date=""), replace(b.identity, birth_date=""), 0.0)
    reasons = [r for r in names.reasons if r != "usage_name_changed"] or ["names_equal"]
    score = names.score * (FAMILY_DIFFERENT if "family_name_changed" in names.reasons else 1.0)
    rest = evidence(a, b)
    return DuplicateScore(round(score * rest.score, 4), (*reasons, *rest.reasons))
