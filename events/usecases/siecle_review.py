"""Deciding the SIECLE anomalies (issue 15, domain-rules §5, §11), kinds of
events/usecases/anomaly_review.py's ``HANDLERS``.

``suspected_overwrite`` is one kind whatever the source: ``Overwrites``
hands an AAF account's to events/usecases/overwrite_review.py and decides a
SIECLE record's and an STS-web individual's (on its import) here. Confirming a SIECLE overwrite ends the account the
record was linked to when it was retyped, as the AAF's confirmation does
(it departs, the next generation opens, with the identity the record now
gives: events/successor_identity.py); a record linked to no account has
nothing to end, the decision alone is recorded. Dismissing ends the
suspension the anomaly caused (policy ``suspend_on_overwrite``), if any.

``guardians_swapped`` (``Swaps``, of SIECLE or an AAF delivery): the operator
acknowledges the swap, to be corrected in SIECLE; either decision is recorded only."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from events.account import Account
from events.delivery import Delivery
from events.imports import TimetableImport
from events.usecases import overwrite_review

if TYPE_CHECKING:
    from events.usecases.anomaly_review import Changes, ConfirmAnomaly, DismissAnomaly, Reviewable, ReviewWork


def _linked(uow: ReviewWork, anomaly: Reviewable) -> tuple[Any, Account | None]:
    """The SIECLE record and the account it was linked to when it was retyped."""
    record = uow.log.get(UUID(anomaly.subject[0]))
    linked = record.suspected.get(int(anomaly.subject[1]), "")
    return record, (uow.log.get(UUID(linked)) if linked else None)


def _record_effects(record: Any, anomaly: Reviewable | None = None) -> dict[str, Any]:
    if isinstance(record, Delivery):  # an AAF delivery's swap (events/usecases/aaf_swaps.py)
        return {"source": "aaf", "delivery_id": str(record.id)}
    if isinstance(record, TimetableImport):  # an STS-web individual retyped (events/usecases/timetable_staff.py)
        key = getattr(record, "suspected_ids", {}).get(int(anomaly.subject[1]), "") if anomaly else ""
        return {"source": "sts", "uai": record.uai, "record_kind": "teacher", "key": key, "import_id": str(record.id)}
    kind, key = ("student", record.eleve_id) if hasattr(record, "eleve_id") else ("guardian", record.personne_id)
    return {"source": "siecle", "uai": record.uai, "record_kind": kind, "key": key}


def _values(record: Any, key: str) -> dict[str, Any]:
    """The retyped record's values now: the SIECLE record's, or the STS-web
    individual's as the import recorded it (events/sts_staff.py)."""
    if isinstance(record, TimetableImport):
        return dict(getattr(record, "staff", {}).get(key, {}))
    return dict(record.attrs)


class Overwrites:
    """``suspected_overwrite`` of either source."""

    @staticmethod
    def confirm(uow: ReviewWork, anomaly: Reviewable, cmd: ConfirmAnomaly, at: datetime) -> Changes:
        if isinstance(uow.log.get(UUID(anomaly.subject[0])), Account):
            return overwrite_review.confirm(uow, anomaly, cmd, at)
        record, account = _linked(uow, anomaly)
        if account is None:
            return (), {**_record_effects(record, anomaly), "account_id": None}
        source = _record_effects(record, anomaly)
        identity = (source["source"], source["record_kind"], _values(record, source["key"]))
        changed, effects = overwrite_review.replace(uow, account, anomaly, cmd, at, identity)
        return changed, {**source, **effects}

    @staticmethod
    def dismiss(uow: ReviewWork, anomaly: Reviewable, cmd: DismissAnomaly, at: datetime) -> Changes:
        if isinstance(uow.log.get(UUID(anomaly.subject[0])), Account):
            return overwrite_review.dismiss(uow, anomaly, cmd, at)
        record, account = _linked(uow, anomaly)
        if account is None:
            return (), {**_record_effects(record, anomaly), "account_id": None}
        if account.state == "suspended" and account.suspended_by == anomaly.anomaly_id:
            account.resume(anomaly.anomaly_id, cmd.author, cmd.reason, at)
        return (account,), {**_record_effects(record, anomaly), "account_id": str(account.id), "state": account.state}


class Swaps:
    """``guardians_swapped``: recorded only; SIECLE is where it is corrected."""

    @staticmethod
    def confirm(uow: ReviewWork, anomaly: Reviewable, cmd: ConfirmAnomaly, at: datetime) -> Changes:
        record = uow.log.get(UUID(anomaly.subject[0]))
        return (), {**_record_effects(record, anomaly), "action": "correct the two guardians' records in SIECLE"}

    @staticmethod
    def dismiss(uow: ReviewWork, anomaly: Reviewable, cmd: DismissAnomaly, at: datetime) -> Changes:
        return (), _record_effects(uow.log.get(UUID(anomaly.subject[0])))
