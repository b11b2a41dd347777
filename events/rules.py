"""Pure domain rules of the directory (domain-rules.md).

Every function here takes its inputs explicitly (``now``, the calendar, the
configuration) and does no I/O, so that the projections, the tick and the
tests share one definition of each rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from datetime import date, datetime, timedelta
from typing import NamedTuple


def creation_due(first_seen: datetime, delay: timedelta) -> datetime:
    """When an account seen first at ``first_seen`` is created (domain-rules §3)."""
    return first_seen + delay


def creation_overdue(due: datetime, now: datetime, grace: timedelta) -> bool:
    """A creation is overdue only after its due time plus a grace (domain-rules §11)."""
    return now > due + grace


def computed_toussaint_start(year: int) -> date:
    """First day of the Toussaint holidays of the school year starting in ``year``
    when the calendar does not know it: the first Monday strictly after
    1 November, minus 16 days (domain-rules §11)."""
    first_nov = date(year, 11, 1)
    days_to_monday = (7 - first_nov.weekday()) % 7 or 7
    return first_nov + timedelta(days=days_to_monday) - timedelta(days=16)


def toussaint_start(year: int, calendar: dict[int, date]) -> tuple[date, bool]:
    """(first day of the Toussaint holidays of ``year``, provisional?)."""
    if year in calendar:
        return calendar[year], False
    return computed_toussaint_start(year), True


def removal_due(departed_on: date, calendar: dict[int, date]) -> tuple[date, bool]:
    """Removal date of an account departed on ``departed_on``: the start of the
    first Toussaint holidays strictly after it (domain-rules §4).
    Returns (date, provisional) where provisional means the year came from the
    computed rule, not from the configured calendar."""
    start, provisional = toussaint_start(departed_on.year, calendar)
    if start > departed_on:
        return start, provisional
    return toussaint_start(departed_on.year + 1, calendar)


def notice_end(departed_on: date, recorded_on: date, notice_days: int) -> date:
    """The first day a departed account may be removed by the minimum notice
    (domain-rules §12): ``notice_days`` after the later of the departure and
    the day it was recorded."""
    return max(departed_on, recorded_on) + timedelta(days=notice_days)


class Removal(NamedTuple):
    """When a departed account is removed: ``day``, ``provisional`` when the
    Toussaint came from the computed rule rather than the configured calendar,
    and the ``basis`` of the day: ``toussaint`` or ``minimum_notice``."""

    day: date
    provisional: bool
    basis: str


def removal_with_notice(departed_on: date, recorded_on: date, calendar: dict[int, date], notice_days: int) -> Removal:
    """Removal date of a departure (domain-rules §4, §12): the first Toussaint
    holidays strictly after it, but never sooner than the minimum notice, so
    that a departure learned late (a SIECLE leaving date seen after the
    Toussaint that follows it) still leaves the person weeks to retrieve
    their data (001 §5.2)."""
    due, provisional = removal_due(departed_on, calendar)
    notice = notice_end(departed_on, recorded_on, notice_days)
    if notice > due:
        return Removal(notice, False, "minimum_notice")
    return Removal(due, provisional, "toussaint")


def _ascii_fold(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def login_part(name: str) -> str:
    """One half of a login (domain-rules §6): lower case, accents removed,
    spaces become ``_``, ``.``/``-``/``_``/letters/digits kept, anything else ``-``."""
    out = []
    for c in _ascii_fold(name.strip()).lower():
        if c == " ":
            out.append("_")
        elif c in "._-" or ("a" <= c <= "z") or c.isdigit():
            out.append(c)
        else:
            out.append("-")
    return "".join(out)


# Logins have a bounded length (domain-rules §12), collision suffix included:
# 64 is what mail local parts (RFC 5321) and the usual LDAP uid indexes take.
LOGIN_MAX_LENGTH = 64
_LOGIN_FALLBACK = "compte"  # no name at all (a record without one is rejected; never expected)


def _cut(text: str, length: int) -> str:
    """``text`` cut to ``length``, without the separators left dangling at the cut."""
    if len(text) <= length:
        return text
    return text[:length].rstrip("._-") or text[:length]


def login_base(given_name: str, family_name: str) -> str:
    """``prenom.nom`` before collision handling (domain-rules §6); the one
    usable name alone when the other is set aside (§12). At most
    ``LOGIN_MAX_LENGTH``: a long part is cut so that each part keeps at
    least half the room, or all of it when the other is shorter."""
    given, family = login_part(given_name), login_part(family_name)
    if not given or not family:
        return _cut(given or family or _LOGIN_FALLBACK, LOGIN_MAX_LENGTH)
    room = LOGIN_MAX_LENGTH - 1  # the dot
    if len(given) + len(family) > room:
        half = room // 2
        if len(given) <= half:
            family = _cut(family, room - len(given))
        elif len(family) <= room - half:
            given = _cut(given, room - len(family))
        else:
            given, family = _cut(given, half), _cut(family, room - half)
    return f"{given}.{family}"


def login_for(given_name: str, family_name: str, taken: Container[str]) -> str:
    """The login for a new account: the base, else the base with a numeric suffix
    from 2 (``lea.martin2``). ``taken`` holds every login ever given, removed
    accounts included: logins are never reused (domain-rules §6). Never longer
    than ``LOGIN_MAX_LENGTH``: the base is cut to leave room for the suffix."""
    base = login_base(given_name, family_name)
    if base not in taken:
        return base
    n = 2
    while (login := _cut(base, LOGIN_MAX_LENGTH - len(str(n))) + str(n)) in taken:
        n += 1
    return login


def normalised_identity(family_name: str, given_name: str) -> str:
    """Name key used to compare identities (duplicates, overwrites, domain-rules §5)."""
    folded = _ascii_fold(f"{family_name} {given_name}").upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", folded).split())


_COUPLE_RE = re.compile(r"(\bET\b|&|\bM\.?\s+MME\b|\bMME\s+M\.?\b|\bMR?\s+ET\s+MME\b)", re.I)


def looks_like_couple(given_name: str, family_name: str) -> bool:
    """A guardian record whose name holds two persons (domain-rules §5)."""
    return bool(_COUPLE_RE.search(given_name) or _COUPLE_RE.search(family_name))


TEACHING_FUNCTIONS = frozenset({"ENS", "DOC"})
NATIONAL_PROFILES = {
    "ENS": "enseignant",
    "FIJ": "enseignant",
    "DIR": "direction",
    "DOC": "documentaliste",
    "EDU": "vie_scolaire",
    "AED": "vie_scolaire",
    "SUR": "vie_scolaire",
}


def staff_profile(categorie_enseignant: str, presence: str, function_codes: list[str]) -> str:
    """ENSEIGNANT or NON_ENSEIGNANT for a PersEducNat record (formats §1,
    domain-rules §12): ``ENTPersonCategorieEnseignant`` when present; else an
    ENS/DOC function, whatever ``PersEducNatPresenceDevantEleves`` says (``N``
    is common among teachers, about half of them in real files); else
    presence ``O`` alone."""
    if categorie_enseignant in ("O", "N"):
        return "ENSEIGNANT" if categorie_enseignant == "O" else "NON_ENSEIGNANT"
    if TEACHING_FUNCTIONS & set(function_codes):
        return "ENSEIGNANT"
    return "ENSEIGNANT" if presence == "O" else "NON_ENSEIGNANT"


def category_contradicts_functions(categorie_enseignant: str, function_codes: list[str]) -> bool:
    """The only teacher-profile anomaly (domain-rules §12): an explicit
    category that the functions contradict — ``N`` with an ENS/DOC function,
    or ``O`` with functions none of which is ENS/DOC. No function says
    nothing (a third of staff have none)."""
    codes = {c for c in function_codes if c and c != "-"}
    if not codes or categorie_enseignant not in ("O", "N"):
        return False
    teaching = bool(TEACHING_FUNCTIONS & codes)
    return teaching != (categorie_enseignant == "O")


def national_function(function_codes: list[str]) -> str:
    """National profile from the function codes (formats §1); first match wins."""
    for code in function_codes:
        if code in NATIONAL_PROFILES:
            return NATIONAL_PROFILES[code]
    return "administratif_technique" if function_codes else ""


def mass_departure_exceeded(departing: int, total: int, share: float, minimum: int) -> bool:
    """Mass-departure brake (domain-rules §11): held when both the share and the
    count are exceeded."""
    return departing >= minimum and departing > share * total
