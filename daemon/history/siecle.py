"""The SIECLE facts in an account's history: every fact of the SIECLE
records linked to it (a student's enrolment, its changed fields, its leaving
date set or cleared, its guardians linked; a guardian record's own), each
with its import, file and record line; and, for a departure that SIECLE
decided, the leaving date it rests on.

A record is found by its link to the account as the SIECLE read model holds
it now (siecle_account_links); a record once linked to the account and since
linked to another is the other's history. A leaving date changed alone is
recorded without the record's line (events/siecle/student.py): it gets the
line of the same import's record fact when there is one, and the import's
file in any case."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from daemon.history.admin_facts import time_of
from events.application import DirectoryLog
from events.siecle.guardian import Guardian
from events.siecle.student import Student
from events.siecle_rules import STUDENT_CHANGED_FIELDS
from projections import history_queries
from projections.db import Database
from projections.history_queries import LinkedRecord

_OWN = ("uai", "eleve_id", "personne_id", "import_id", "file", "line", "reason", "rule", "status")
_LINK = ("level", "kinship", "pays_fees", "priority_contact")


def siecle_facts(log: DirectoryLog, db: Database, account_id: str) -> list[dict[str, Any]]:
    """The facts of the SIECLE records linked to ``account_id``, stream by stream."""
    facts: list[dict[str, Any]] = []
    for record in history_queries.linked_records(db, account_id):
        facts += record_facts(log, record)
    files = history_queries.siecle_files(db, sorted({f["import_id"] for f in facts if "file" not in f}))
    for f in facts:
        if "file" not in f and f["import_id"] in files:
            f["file"] = files[f["import_id"]]
    return facts


def record_facts(log: DirectoryLog, record: LinkedRecord) -> list[dict[str, Any]]:
    stream = "siecle_student" if record.kind == "student" else "siecle_guardian"
    prefix = "SiecleStudent" if record.kind == "student" else "SiecleGuardian"
    out: list[dict[str, Any]] = []
    lines: dict[str, tuple[str, int]] = {}  # import → the file and line of the record in it
    events: list[Any] = list(log.events.get(UUID(record.stream_id)))
    for ev in events:
        entry: dict[str, Any] = {
            "stream": stream,
            "source": "siecle",
            "event": f"{prefix}.{type(ev).__name__}",
            "at": ev.at.isoformat(),
            "record_id": record.stream_id,
            "uai": record.uai,
            "key": record.key,
        }
        for name in _OWN:
            value = getattr(ev, name, None)
            if value not in (None, ""):
                entry[name] = value
        if "line" in entry:
            lines[ev.import_id] = (entry["file"], entry["line"])
        entry.update(_details(ev))
        out.append(entry)
    for entry in out:  # a leaving date recorded alone: the line its import read the record at
        if "line" not in entry and entry["import_id"] in lines:
            entry["file"], entry["line"] = lines[entry["import_id"]]
    return out


def _details(ev: Any) -> dict[str, Any]:
    """What the fact changed, in the account history's words."""
    match ev:
        case Student.Enrolled() | Guardian.Appeared():
            fields = STUDENT_CHANGED_FIELDS if isinstance(ev, Student.Enrolled) else sorted(ev.attrs)
            shown = {
                f: {"before": None, "after": ev.attrs.get(f)} for f in fields if ev.attrs.get(f) not in (None, "", [])
            }
            return {"changes": shown}
        case Student.Changed() | Guardian.Changed() | Student.Reenrolled() | Guardian.Reappeared():
            return {"changes": dict(ev.changes)}
        case Student.LeavingDateSet():
            out: dict[str, Any] = {"left_on": ev.left_on, "status": ev.status}
            out["changes"] = {"left_on": {"before": ev.previous or None, "after": ev.left_on}}
            return out
        case Student.LeavingDateCleared():
            return {"changes": {"left_on": {"before": ev.previous, "after": None}}}
        case Student.GuardianLinked():
            return {
                "guardian": ev.personne_id,
                "changes": {k: {"before": None, "after": getattr(ev, k)} for k in _LINK},
            }
        case Student.GuardianLinkChanged():
            return {"guardian": ev.personne_id, "changes": dict(ev.changes)}
        case Student.GuardianUnlinked():
            return {"guardian": ev.personne_id, "changes": {"level": {"before": ev.level, "after": None}}}
        case Student.AccountLinked() | Guardian.AccountLinked():
            return {"account_id": ev.account_id, "jointure": ev.jointure, "previous_account_id": ev.previous_account_id}
        case Student.LinkUnresolved() | Guardian.LinkUnresolved():
            return {"flags": ["link_unresolved"], "previous_account_id": ev.previous_account_id}
    return {}


def leaving_cause(facts: list[dict[str, Any]], departure: dict[str, Any]) -> dict[str, Any] | None:
    """The SIECLE fact a declared departure rests on: the last leaving date
    set to its ``left_on`` on its source record, at or before it."""
    found = None
    for f in facts:
        if (
            f["event"] == "SiecleStudent.LeavingDateSet"
            and f["record_id"] == departure.get("source_id")
            and f["left_on"] == departure.get("left_on")
            and time_of(f) <= time_of(departure)
        ):
            found = f
    if found is None:
        return None
    return {k: found[k] for k in ("event", "at", "uai", "key", "import_id", "file", "line", "left_on") if k in found}
