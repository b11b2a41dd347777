"""STS-web overwrites (issue 15, domain-rules §5): an ``INDIVIDU/@ID``
retyped in STS-web for another person keeps the STS id the AAF account of
the first teacher carries (ENTPersonSTSId), so the timetable would follow
the new person's services onto the old account.

On receipt, an STS-web import records who each individual is
(``StaffIdentitiesRecorded``, events/sts_staff.py). When it is applied, each
STS id also present in the previous applied STS import of the establishment
is judged by the overwrite rule (events/identity_rules.py ``overwrite_of``)
against that import's identity and the identity the id was first seen with
(or the one an earlier suspected overwrite moved it to); an overwrite is
recorded as ``StsOverwriteSuspected`` on the import, saved with its
``Applied``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.sts.records import StsExport
from events.account import account_id
from events.generations import current
from events.identity_rules import overwrite_of
from events.imports import TimetableImport
from events.sts_staff import IDENTITY_FIELDS, identity
from events.usecases.timetable_work import TimetableWork


def record_staff(imp: TimetableImport, export: StsExport, at: datetime) -> None:
    """Record the identity of every individual of the export on its import."""
    identities = {
        p.id: {
            "family_name": p.birth_name or p.usage_name,
            "usage_name": p.usage_name if p.birth_name else "",
            "given_name": p.given_name,
            "birth_date": p.birth_date.isoformat() if p.birth_date else "",
            "civility": p.civility,
            "line": p.line,
        }
        for p in export.persons
    }
    imp.trigger_event(TimetableImport.StaffIdentitiesRecorded, identities=identities, at=at)


def _fields(values: dict[str, Any]) -> dict[str, str]:
    return {f: str(values.get(f) or "") for f in IDENTITY_FIELDS}


def _baseline(uow: TimetableWork, uai: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The identities of the previous applied STS import that recorded them,
    and the identity each STS id was first seen with in this establishment
    (moved to the new holder by a suspected overwrite)."""
    previous: dict[str, dict[str, Any]] = {}
    first: dict[str, dict[str, Any]] = {}
    for iid in uow.timetable_queries.applied_imports(uai, "sts"):
        older: TimetableImport = uow.log.get(UUID(iid))
        staff: dict[str, dict[str, Any]] = getattr(older, "staff", {})
        if not staff:
            continue  # recorded by an earlier release: nothing to compare with
        for sid, values in staff.items():
            first.setdefault(sid, values)
        for sid in getattr(older, "suspected_ids", {}).values():
            first[sid] = staff[sid]
        previous = staff
    return previous, first


def _holder(uow: TimetableWork, imp: TimetableImport, sts_id: str) -> tuple[str, str]:
    """The account matched on this STS id (ENTPersonSTSId) and its jointure, or ("", "")."""
    for m in imp.matches:
        if m["kind"] == "teacher" and m["ident"] == sts_id and m["by"] == "sts_id" and m["key"]:
            known = uow.log.find(account_id(m["key"])) is not None
            return (str(current(uow.log, m["key"]).id) if known else "", m["key"])
    return "", ""


def judge_staff(uow: TimetableWork, imp: TimetableImport, at: datetime) -> int:
    """Record the overwrites this STS import makes of the previous one; how many."""
    staff: dict[str, dict[str, Any]] = getattr(imp, "staff", {})
    if imp.source != "sts" or not staff:
        return 0
    previous, first = _baseline(uow, imp.uai)
    threshold = uow.policy.overwrite_name_similarity
    found = 0
    for sid in sorted(set(staff) & set(previous)):
        before, after = _fields(previous[sid]), _fields(staff[sid])
        if before == after:
            continue
        creation = identity(first[sid]) if sid in first else None
        verdict = overwrite_of(creation, identity(before), identity(after), threshold)
        if not verdict.overwrite:
            continue
        account, jointure = _holder(uow, imp, sid)
        imp.trigger_event(
            TimetableImport.StsOverwriteSuspected,
            sts_id=sid,
            before=before,
            after=after,
            score=verdict.score,
            reasons=list(verdict.reasons),
            account_id=account,
            jointure=jointure,
            import_id=str(imp.id),
            file=imp.file,
            line=int(staff[sid].get("line") or 0),
            at=at,
        )
        found += 1
    return found
