"""The week masks of a timetable course (formats §4): week *n* is the value
2ⁿ, bit 0 unused (the exporter writes its decoding beside each mask:
``Semaines="2"`` → ``<!--Domaine : [1]-->``).

Each element of a course carries its own masks (a teacher may come every
other week, a part only in some weeks); the course keeps their union, i.e.
the weeks in which anything of it takes place.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from adapters.timetable.records import MAX_WEEKS

WEEK_ATTRIBUTES = ("Semaines", "SemainesInclusion", "SemainesAnnulation")
DIGITS = re.compile(r"^[0-9]+$")


class CourseWeeks:
    """The masks read off one course's elements, the teachers replacing
    another (a @SemainesInclusion on a Professeur), and the first bad mask
    as (field, message)."""

    def __init__(self) -> None:
        self.masks: dict[str, list[int]] = {a: [] for a in WEEK_ATTRIBUTES}
        self.replacing: list[str] = []
        self.bad: tuple[str, str] | None = None

    def read(self, child, local: str) -> None:
        for attr in WEEK_ATTRIBUTES:
            weeks = child.get(attr)
            if weeks is None:
                continue  # every child but Matiere carries @Semaines (formats §4); one without adds no week
            weeks = weeks.strip()
            if not DIGITS.match(weeks) or int(weeks) >= 1 << MAX_WEEKS:
                self.bad = self.bad or (f"{local}/@{attr}", f"@{attr} is not an unsigned {MAX_WEEKS}-bit integer")
                continue
            # Week n is the value 2**n: bit 0 is unused, a set one is ignored.
            self.masks[attr].append(int(weeks) & ~1)
            if attr == "SemainesInclusion" and local == "Professeur":
                self.replacing.append((child.get("Ident") or "").strip())

    def problem(self, involved: bool) -> tuple[str, str] | None:
        """Why the course is set aside for its weeks, None when it is not: a
        bad mask, or none at all on a course that involves anyone."""
        if self.bad is None and involved and not self.masks["Semaines"]:
            return ("@Semaines", "no element of the course carries @Semaines")
        return self.bad

    def union(self, attr: str) -> int:
        # Who attends in which week is lost: a reader needing it must split
        # the course by distinct masks as the ENT feeders do.
        return reduce(or_, self.masks[attr], 0)
