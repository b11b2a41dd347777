"""Same person or another? The overwrite rule (compte écrasé, domain-rules §5).

A secretary who retypes an existing record for another person keeps its
identifier; a secretary who corrects a record keeps the person. This module
tells the two apart from the identity values alone, for every source (AAF,
SIECLE, STS): nobody else writes a similarity of persons.

What the labelled pairs (tests/data/identity_pairs.csv) taught:

- The **given name** tells people apart best. The other parent, a sibling,
  a twin carry the family's name and often its birth date; only the given
  name differs. So the score starts from the given-name similarity.
- The **family name** changes for the same person (a married or usage name,
  a second Portuguese family name, a name recognised later), so it only
  tempers the score a little; it is compared with both the family and the
  usage name of the other side.
- A **birth date** corrected (one digit, two digits transposed, day and month
  swapped) is the same person; another date is strong evidence of another
  person (a homonym: the mother typed over her daughter, both "Emma").
- A **civility** corrected alone (M. → MME) is a typing error; a civility that
  changes with the given name is the other parent (Patrick → Patricia).
- A value unknown on either side ("" : no birth date for guardians, a value
  set aside as implausible, §12) is no evidence either way.

The score is a product of these factors, 1 = certainly the same person; the
record is a suspected overwrite below the policy's threshold
(``Policy.overwrite_name_similarity``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from events.rules import _ascii_fold


@dataclass(frozen=True)
class Identity:
    """What tells who a person is; every field may be "" (unknown)."""

    family_name: str
    given_names: tuple[str, ...]
    birth_date: str  # ISO yyyy-mm-dd or ""
    usage_name: str = ""
    civility: str = ""  # M / MME / MLLE or ""


@dataclass(frozen=True)
class IdentityVerdict:
    overwrite: bool  # the record now describes another person
    score: float  # 0..1 similarity of the person, 1 = same
    reasons: tuple[str, ...]  # stable codes of what changed


# A given name this close (SequenceMatcher ratio) is a spelling corrected
# (Mathieu/Matthieu 0.93, Noah/Noa 0.86), below it one replaced.
GIVEN_CORRECTED = 0.85
# The same for a family name (Colin/Collin, Bonnet/Bonet, Mratin/Martin).
FAMILY_CORRECTED = 0.8
# A family name changed entirely costs at most this much: a married or usage
# name is the same person (Lopez → Garcia, given names and birth kept, 0.8).
FAMILY_WEIGHT = 0.2
# A birth date corrected (a typo) and a birth date replaced.
BIRTH_CORRECTED = 0.95
BIRTH_CHANGED = 0.5
# A civility corrected alone (the given names the same) and a civility that
# changes with the given name (Jean M → Jeanne MME: the other parent).
CIVILITY_ALONE = 0.9
CIVILITY_WITH_GIVEN = 0.7
_SEX = {"M": "M", "MR": "M", "MONSIEUR": "M", "MME": "F", "MLLE": "F", "MADAME": "F", "MADEMOISELLE": "F"}


def words(text: str) -> list[str]:
    """Upper-case ASCII words: accents, case, hyphens and apostrophes do not
    tell people apart (Lefèvre = LEFEVRE, N'Diaye = N DIAYE)."""
    return list(_folded_words(text))


# The same few thousand names are folded for every record a projection applies
# (its duplicate blocks) and for every pair the duplicate listing scores.
@lru_cache(maxsize=65536)
def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^A-Z0-9]+", " ", _ascii_fold(text).upper()).split())


def _squash(text: str) -> str:
    # Words typed joined or apart are one name: DE LA FONTAINE = DELAFONTAINE.
    return "".join(words(text))


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _name_similarity(a: str, b: str) -> float:
    """Two names (one given name, or one family name): the squashed strings'
    ratio, or, when one name is part of the other (JEAN-PIERRE → JEAN, DA
    SILVA → DA SILVA SANTOS, BLANC → BLANC-MARTIN, VAN MINH → MINH VAN), the
    mean best match of the shorter one's words in the longer one."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    part = sum(max(_ratio(w, v) for v in long_) for w in short) / len(short)
    return max(_ratio(_squash(a), _squash(b)), part)


def given_similarity(before: tuple[str, ...], after: tuple[str, ...]) -> float | None:
    """The first given name of one side against every given name of the
    other, both ways: a second given name added or dropped, the order
    swapped, are the same person; the first given name replaced is not."""
    b, a = [g for g in before if words(g)], [g for g in after if words(g)]
    if not b or not a:
        return None
    return max(max(_name_similarity(b[0], g) for g in a), max(_name_similarity(a[0], g) for g in b))


def family_similarity(before: Identity, after: Identity) -> float | None:
    """The best match of the family and usage names of either side."""
    b = [n for n in (before.family_name, before.usage_name) if words(n)]
    a = [n for n in (after.family_name, after.usage_name) if words(n)]
    if not b or not a:
        return None
    return max(_name_similarity(x, y) for x in b for y in a)


def birth_similarity(before: str, after: str) -> float | None:
    """1 equal; BIRTH_CORRECTED for a typo (one character, two adjacent
    characters transposed, day and month swapped); BIRTH_CHANGED otherwise."""
    if not before or not after:
        return None
    if before == after:
        return 1.0
    differ = [i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y]
    transposed = len(differ) == 2 and differ[1] == differ[0] + 1 and before[differ[0]] == after[differ[1]]
    swapped = len(before) == len(after) == 10 and before[:4] == after[:4] and before[5:7] == after[8:10]
    swapped = swapped and before[8:10] == after[5:7]
    if len(before) == len(after) and (len(differ) == 1 or transposed or swapped):
        return BIRTH_CORRECTED
    return BIRTH_CHANGED


def _sex(civility: str) -> str:
    return _SEX.get(_squash(civility), "")


def identity_verdict(before: Identity, after: Identity, threshold: float) -> IdentityVerdict:
    """Whether ``after`` describes another person than ``before``."""
    reasons: list[str] = []
    given = given_similarity(before.given_names, after.given_names)
    family = family_similarity(before, after)
    if given is not None and [_squash(g) for g in before.given_names] != [_squash(g) for g in after.given_names]:
        reasons.append("given_name_corrected" if given >= GIVEN_CORRECTED else "given_name_replaced")
    if family is not None and _squash(before.family_name) != _squash(after.family_name):
        reasons.append("family_name_corrected" if family >= FAMILY_CORRECTED else "family_name_changed")
    if _squash(before.usage_name) != _squash(after.usage_name):
        reasons.append("usage_name_changed")
    # The given name leads; without one on both sides, the family name does.
    if given is not None:
        score = given * (1 - FAMILY_WEIGHT + FAMILY_WEIGHT * (family if family is not None else 1.0))
    else:
        score = family if family is not None else 1.0
    birth = birth_similarity(before.birth_date, after.birth_date)
    if birth is not None and birth < 1:
        score *= birth
        reasons.append("birth_date_corrected" if birth >= BIRTH_CORRECTED else "birth_date_changed")
    sexes = _sex(before.civility), _sex(after.civility)
    if all(sexes) and sexes[0] != sexes[1]:
        score *= CIVILITY_ALONE if given is None or given == 1.0 else CIVILITY_WITH_GIVEN
        reasons.append("civility_changed")
    score = round(score, 4)
    return IdentityVerdict(score < threshold, score, tuple(reasons))


def overwrite_of(creation: Identity | None, previous: Identity, current: Identity, threshold: float) -> IdentityVerdict:
    """The record's identity now (``current``) judged against the previous
    values and against the identity at creation: a change spread over two
    deliveries (a usage name added, then the given name replaced) is caught.
    The worse verdict wins."""
    verdict = identity_verdict(previous, current, threshold)
    if creation is None or creation == previous:
        return verdict
    since_creation = identity_verdict(creation, current, threshold)
    return since_creation if since_creation.score < verdict.score else verdict
