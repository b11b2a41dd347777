"""The correlation of a SIECLE record to an AAF account (domain-rules §11),
a command the student and the guardian share: each records AccountLinked or
LinkUnresolved, its own nested facts, only when the outcome differs from the
one it holds. The candidates are judged in events/usecases/siecle_correlation.py."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from events.siecle.guardian import Guardian
    from events.siecle.student import Student


def correlate(
    record: Student | Guardian, account_id: str, jointure: str, rule: str, reason: str, import_id: str, at: datetime
) -> None:
    """Linked to ``account_id`` by ``rule``, or unresolved for ``reason``
    (no account, or several): recorded when it differs from the current one."""
    if account_id:
        if (account_id, rule) != (record.account_id, record.rule):
            record.trigger_event(
                record.AccountLinked,
                account_id=account_id,
                jointure=jointure,
                rule=rule,
                previous_account_id=record.account_id,
                import_id=import_id,
                at=at,
            )
    elif record.account_id or (reason, rule) != (record.unresolved, record.rule):
        record.trigger_event(
            record.LinkUnresolved,
            reason=reason,
            rule=rule,
            previous_account_id=record.account_id,
            import_id=import_id,
            at=at,
        )


class Correlated:
    """``correlate`` as a method of the aggregates above (a function typed on
    them, which a method of this base could not be)."""

    correlate = correlate
