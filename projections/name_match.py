"""The console search's matching rules (issue 16), pure: how a query's words
meet a person's names — accents, case and punctuation ignored as
events/rules.py ``normalised_identity`` folds them; every word of the query
in one of the names a person is known by (its current names, the names its
record carried before an overwrite, the names SIECLE gives it). Tested as
tables (tests/unit/test_name_match.py)."""

from __future__ import annotations

from collections.abc import Iterable

from events.rules import normalised_identity

Names = tuple[str, str]  # (family name, given name)


def fold(text: str) -> str:
    """``Hélène  d'Arc`` → ``HELENE D ARC``."""
    return normalised_identity(text or "", "")


def words(text: str) -> list[str]:
    """The query's words as names are compared: ``Hélène  d'Arc`` → HELENE, D, ARC."""
    return fold(text).split()


def matches(wanted: list[str], names: Names) -> bool:
    """Every word of the query is (part of) a word of this person's names."""
    held = normalised_identity(names[0] or "", names[1] or "").split()
    return bool(wanted) and all(any(w in n for n in held) for w in wanted)


def matching(wanted: list[str], known: Iterable[Names]) -> Names | None:
    """The first of the names a person is ``known`` by that holds every word of
    the query: one name at a time, so that a family name of one and a given
    name of another never make a match together."""
    return next((n for n in known if matches(wanted, n)), None)


def differs(one: Names, other: Names) -> bool:
    """Two persons' names differ once folded (a note worth showing)."""
    return (fold(one[0]), fold(one[1])) != (fold(other[0]), fold(other[1]))


def shown(names: Names) -> str:
    """``NOM Prénom`` as the console writes a former name."""
    return f"{(names[0] or '').upper()} {names[1] or ''}".strip()


# Letters a folded word may have come from with an accent or a cedilla: any one character there.
_FOLDABLE = set("AEIOUYCN")


def like_pattern(word: str) -> str:
    """A lower-case LIKE pattern an unfolded name holding the folded ``word``
    matches (SQL narrows with it; ``matches`` decides): the letters an accent
    may hide as ``_``; ``%`` alone for a word a ligature (Œ, Æ) may hide."""
    if any(pair in word for pair in ("OE", "AE", "SS")):
        return "%"
    return "%" + "".join("_" if c in _FOLDABLE else c.lower() for c in word) + "%"
