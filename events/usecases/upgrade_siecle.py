"""The SIECLE overwrites and swapped guardians an earlier release did not
judge, found in the log (issue 15; domain-rules §12: a rule change corrects
existing stores).

SIECLE records are judged at import since rules 4 (events/siecle/identity.py):
stores already hold ``Changed`` facts that retyped a student or a guardian for
another person, with no ``OverwriteSuspected``. The store upgrade replays each
SIECLE record's facts (the aggregates' own mutators) and judges each changed
record as the import does — the same identity fields, against the previous
values and the identity at first appearance, moved to the new holder once an
overwrite is found — and records, once, each overwrite that no fact of the
record names (an ``OverwriteSuspected`` with the same import, file and line,
or a guardian's ``Swapped`` of the same import). Two guardians of one student
found in one import exchanging identities (events/identity_swaps.py) are one
``GuardiansSwapped`` on the student and a ``Swapped`` on each, as the import
records them, not two overwrites.

Facts recorded here name the import, file and line of the record judged and
carry the store's last effective time (an upgrade never moves the clock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from events.identity_rules import IdentityVerdict
from events.identity_swaps import swapped_pairs
from events.siecle.guardian import Guardian
from events.siecle.identity import fields_of, flag, identity, suspicion
from events.siecle.ids import guardian_id, student_id
from events.siecle.student import Student
from events.usecases.ports import EventLog

Judged = tuple[dict[str, str], dict[str, str], IdentityVerdict]


@dataclass(frozen=True)
class SiecleMissed:
    """A SIECLE record of ``version`` that now describes another person and no fact names."""

    record_id: UUID
    record: str  # student | guardian
    uai: str
    key: str  # ELEVE_ID | PERSONNE_ID
    version: int
    account_id: str  # the account the record was linked to then
    import_id: str
    file: str
    line: int
    judged: Judged
    students: frozenset[str] = frozenset()  # a guardian's students (ELEVE_IDs) then

    def as_report(self) -> dict[str, Any]:
        """Ids, files, lines — never the names or birth dates."""
        verdict = self.judged[2]
        return {
            "record": self.record,
            "uai": self.uai,
            "id": self.key,
            "import_id": self.import_id,
            "file": self.file,
            "line": self.line,
            "score": verdict.score,
            "reasons": ", ".join(verdict.reasons),
        }


@dataclass(frozen=True)
class SiecleSwap:
    """Two guardians of one student exchanging identities in one import."""

    uai: str
    eleve_id: str
    pair: tuple[SiecleMissed, SiecleMissed]

    def as_report(self) -> dict[str, Any]:
        first, second = self.pair
        return {
            "uai": self.uai,
            "eleve_id": self.eleve_id,
            "personne_ids": f"{first.key}, {second.key}",
            "import_id": first.import_id,
            "file": first.file,
            "line": min(first.line, second.line),
        }


@dataclass
class SiecleFound:
    overwrites: list[SiecleMissed] = field(default_factory=list)
    swaps: list[SiecleSwap] = field(default_factory=list)


def missed_siecle(facts: Iterable[tuple[int, Any]], threshold: float) -> SiecleFound:
    """What the import's rule finds in ``facts`` (the whole log, in order)
    that no fact names: the swaps among the guardians of one import, and the
    other overwrites, in the order of the log."""
    records: dict[UUID, Student | Guardian] = {}
    students_of: dict[tuple[str, str], set[str]] = {}  # (UAI, PERSONNE_ID) → ELEVE_IDs linking it
    judged: list[SiecleMissed] = []
    named: set[tuple[UUID, str, str, int]] = set()
    swapped: set[tuple[UUID, str]] = set()
    for _, fact in facts:
        if not isinstance(fact, Student.Event | Guardian.Event):
            continue
        if isinstance(fact, Student.Created | Guardian.Created):
            records[fact.originator_id] = cast(Student | Guardian, fact.mutate(None))
            continue
        record = records.get(fact.originator_id)
        if record is None:
            continue
        previous = dict(record.attrs)
        fact.mutate(record)
        match fact:
            case Student.Changed() | Student.Reenrolled() | Guardian.Changed() | Guardian.Reappeared():
                found = suspicion(fields_of(record), record.first_identity, previous, record.attrs, threshold)
                if found is not None:
                    judged.append(_missed(record, fact, found, students_of))
                    record.first_identity = dict(found[1])  # as recording it does (events/siecle/state.py)
            case Student.OverwriteSuspected() | Guardian.OverwriteSuspected():
                named.add((fact.originator_id, fact.import_id, fact.file, fact.line))
            case Guardian.Swapped():
                swapped.add((fact.originator_id, fact.import_id))
            case Student.GuardiansSwapped():
                uai = record.uai
                swapped |= {(guardian_id(uai, pid), fact.import_id) for pid in fact.personne_ids}
            case Student.GuardianLinked() if isinstance(record, Student):
                students_of.setdefault((record.uai, fact.personne_id), set()).add(record.eleve_id)
            case Student.GuardianUnlinked() if isinstance(record, Student):
                students_of.get((record.uai, fact.personne_id), set()).discard(record.eleve_id)
    missed = [
        m
        for m in judged
        if (m.record_id, m.import_id, m.file, m.line) not in named and (m.record_id, m.import_id) not in swapped
    ]
    return _with_swaps(missed, threshold)


def _missed(
    record: Student | Guardian, fact: Any, found: Judged, students_of: dict[tuple[str, str], set[str]]
) -> SiecleMissed:
    if isinstance(record, Student):
        kind, key, students = "student", record.eleve_id, frozenset[str]()
    else:
        kind, key = "guardian", record.personne_id
        students = frozenset(students_of.get((record.uai, key), set()))
    v, iid = fact.originator_version, fact.import_id
    return SiecleMissed(
        fact.originator_id, kind, record.uai, key, v, record.account_id, iid, fact.file, fact.line, found, students
    )


def _with_swaps(missed: list[SiecleMissed], threshold: float) -> SiecleFound:
    """The guardians of one import exchanging identities become swaps (events/identity_swaps.py)."""
    by_import: dict[tuple[str, str], dict[str, SiecleMissed]] = {}
    for m in missed:
        if m.record == "guardian":
            by_import.setdefault((m.uai, m.import_id), {})[m.key] = m
    found = SiecleFound()
    paired: set[tuple[UUID, str]] = set()
    for (uai, _), guardians in by_import.items():
        if len(guardians) < 2:
            continue
        changed = {pid: (identity(m.judged[0]), identity(m.judged[1])) for pid, m in guardians.items()}
        groups: dict[str, list[str]] = {}
        for pid, m in guardians.items():
            for eid in m.students:
                groups.setdefault(eid, []).append(pid)
        for swap in swapped_pairs(changed, groups, threshold):
            pair = (guardians[swap.first], guardians[swap.second])
            found.swaps.append(SiecleSwap(uai, swap.group, pair))
            paired |= {(m.record_id, m.import_id) for m in pair}
    found.overwrites = [m for m in missed if (m.record_id, m.import_id) not in paired]
    return found


def record_siecle(log: EventLog, found: SiecleFound, at: datetime) -> list[Student | Guardian]:
    """Each missed overwrite and swap recorded on its records, loaded from
    ``log``; the records to save."""
    loaded: dict[UUID, Any] = {}

    def get(record_id: UUID) -> Any:
        if record_id not in loaded:
            loaded[record_id] = log.get(record_id)
        return loaded[record_id]

    for m in found.overwrites:
        flag(get(m.record_id), m.judged, m.account_id, m.import_id, m.file, m.line, at)
    for s in found.swaps:
        first, second = s.pair
        line = min(first.line, second.line)
        get(student_id(s.uai, s.eleve_id)).note_swap([first.key, second.key], first.import_id, first.file, line, at)
        get(first.record_id).mark_swapped(second.key, s.eleve_id, first.import_id, at)
        get(second.record_id).mark_swapped(first.key, s.eleve_id, first.import_id, at)
    return list(loaded.values())
