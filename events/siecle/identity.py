"""A SIECLE record's identity, as the overwrite rule reads it
(events/identity_rules.py; domain-rules §5): for a student the names and
the birth date, for a guardian the civility and names (BEE_RESPONSABLES
carries no birth date). The aggregates keep these values at first
appearance (``first_identity``) so that a change spread over two imports is
judged against them too; ``judge`` records the suspected overwrite."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from events.identity_rules import Identity, IdentityVerdict, overwrite_of

if TYPE_CHECKING:
    from events.siecle.guardian import Guardian
    from events.siecle.student import Student

STUDENT_IDENTITY = ("family_name", "usage_name", "given_name", "given_name2", "given_name3", "birth_date")
GUARDIAN_IDENTITY = ("civility", "family_name", "usage_name", "given_name")


def identity_values(attrs: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    return {f: str(attrs.get(f) or "") for f in fields}


def identity(values: Mapping[str, Any]) -> Identity:
    """Either kind's values (a guardian has no birth date, a student no civility)."""
    given = tuple(str(values.get(f) or "") for f in ("given_name", "given_name2", "given_name3"))
    return Identity(
        family_name=str(values.get("family_name") or ""),
        given_names=tuple(g for g in given if g),
        birth_date=str(values.get("birth_date") or ""),
        usage_name=str(values.get("usage_name") or ""),
        civility=str(values.get("civility") or ""),
    )


def fields_of(record: Student | Guardian) -> tuple[str, ...]:
    return STUDENT_IDENTITY if hasattr(record, "eleve_id") else GUARDIAN_IDENTITY


def suspicion(
    fields: tuple[str, ...],
    first: Mapping[str, Any],
    previous: Mapping[str, Any],
    current: Mapping[str, Any],
    threshold: float,
) -> tuple[dict[str, str], dict[str, str], IdentityVerdict] | None:
    """The identity values before and after and the verdict, when the
    record's values ``current`` describe another person than ``previous`` or
    than ``first`` (the first appearance; empty: unknown); None otherwise."""
    before, after = identity_values(previous, fields), identity_values(current, fields)
    if before == after:
        return None
    verdict = overwrite_of(identity(first) if first else None, identity(before), identity(after), threshold)
    return (before, after, verdict) if verdict.overwrite else None


def flag(
    record: Student | Guardian,
    found: tuple[dict[str, str], dict[str, str], IdentityVerdict],
    account_id: str,
    import_id: str,
    file: str,
    line: int,
    at: datetime,
) -> None:
    """Record ``OverwriteSuspected``; ``account_id`` the account the record was linked to."""
    before, after, verdict = found
    record.trigger_event(
        record.OverwriteSuspected,
        before=before,
        after=after,
        score=verdict.score,
        reasons=list(verdict.reasons),
        account_id=account_id,
        import_id=import_id,
        file=file,
        line=line,
        at=at,
    )


def judge(
    record: Student | Guardian,
    previous: Mapping[str, Any],
    threshold: float,
    import_id: str,
    file: str,
    line: int,
    at: datetime,
) -> None:
    """Record ``OverwriteSuspected`` when the record's values now (already
    recorded) describe another person than ``previous`` or than the first
    appearance. The account it was linked to is named: the one overwritten."""
    found = suspicion(fields_of(record), record.first_identity, previous, record.attrs, threshold)
    if found is not None:
        flag(record, found, record.account_id, import_id, file, line, at)
