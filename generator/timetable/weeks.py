"""``@Semaines`` masks as real Index Education exports write them (formats §4):
week n is the VALUE 2**n, bit 0 unused (weeks 1..63), week n starting
DatePremierJourSemaine1 + (n - 1) weeks; the exporter writes its decoding
beside each mask, ``Semaines="2"`` -> ``<!--Domaine : [1]-->``."""

from __future__ import annotations

from datetime import date, timedelta

LAST_WEEK = 63


def school_weeks(start: date, end: date) -> tuple[date, int]:
    """Monday of week 1 and the number of weeks up to ``end``."""
    week1 = start - timedelta(days=start.weekday())
    return week1, (end - week1).days // 7 + 1


def holiday_weeks(week1: date, school_year: int) -> set[int]:
    """The weeks of the Toussaint and Christmas holidays (two weeks each).

    A fixed rule, not the official calendar (the generator imports nothing
    from the project): Toussaint is the two weeks starting on the Monday on or
    after 19 October (the holidays start on the Saturday before; this agrees
    with events/data/toussaint.toml for 2024-2027), Christmas the two weeks
    holding 25 December and 1 January."""
    monday = date(school_year, 10, 19)
    monday += timedelta(days=-monday.weekday() % 7)
    days = (monday, monday + timedelta(weeks=1), date(school_year, 12, 25), date(school_year + 1, 1, 1))
    return {(d - week1).days // 7 + 1 for d in days}


def week_mask(weeks) -> int:
    """The ``@Semaines`` mask of these weeks (1..63): week n is the value 2**n."""
    mask = 0
    for n in weeks:
        if not 1 <= n <= LAST_WEEK:
            raise ValueError(f"week {n} is outside 1..{LAST_WEEK}")
        mask |= 1 << n
    return mask


def mask_weeks(mask: int) -> list[int]:
    """The weeks set in a ``@Semaines`` mask (bit 0 unused, ignored)."""
    return [n for n in range(1, LAST_WEEK + 1) if mask >> n & 1]


def week_domain(mask: int) -> str:
    """The exporter's decoding of a mask, as written in ``<!--Domaine : ...-->``:
    runs of consecutive weeks as ``a..b``, items separated by ``;``
    (``[1..7;10..16;19..44]``; the separator real files use is *uncertain*)."""
    runs: list[list[int]] = []
    for n in mask_weeks(mask):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return "[" + ";".join(str(a) if a == b else f"{a}..{b}" for a, b in runs) + "]"


# The teaching year ends around 4 July (domain-rules §7) whatever DateFin says:
# real exports end the school year on 31 August, their masks still stop in July.
LAST_TEACHING_DAY = (7, 4)


def year_masks(start: date, end: date, school_year: int) -> tuple[date, int, int, int]:
    """``DatePremierJourSemaine1`` and the full, odd and even masks of the year:
    the school weeks from ``start`` to the last teaching day (4 July, or
    ``end`` when earlier) but the Toussaint and Christmas holidays; the odd
    and even alternances (weeks A and B) are taken within those weeks, so
    that they go on after a holiday as in school calendars."""
    last = min(end, date(school_year + 1, *LAST_TEACHING_DAY))
    week1, n_weeks = school_weeks(start, last)
    off = holiday_weeks(week1, school_year)
    weeks = [n for n in range(1, min(n_weeks, LAST_WEEK) + 1) if n not in off]
    return week1, week_mask(weeks), week_mask(weeks[0::2]), week_mask(weeks[1::2])
