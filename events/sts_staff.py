"""What an STS-web import says of who each individual is, and the overwrite
suspected when an ``INDIVIDU/@ID`` now describes another person (issue 15,
domain-rules §5): facts of the timetable import (events/imports.py nests
them in ``TimetableImport``; they live here to keep that module short).

``StaffIdentitiesRecorded``: right after ``Received``, the STS id, names,
birth date and civility of every individual of the export, and the line
each was read on. A stored import without it (an earlier release, an EDT
import) has no identities: ``staff`` is then empty, and nothing is judged.

``StsOverwriteSuspected``: recorded with ``Applied``, in the same save, for
an STS id whose identity changed beyond the threshold since the previous
applied STS import of the establishment (or since it was first seen). Its
anomaly id is ``anomaly_id(import id, version)`` (events/anomaly.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.identity_rules import Identity
from events.intake import Intake

IDENTITY_FIELDS = ("family_name", "usage_name", "given_name", "birth_date", "civility")


def identity(values: dict[str, Any]) -> Identity:
    """The overwrite rule's view of one recorded individual (missing fields are unknown)."""
    given = str(values.get("given_name") or "")
    return Identity(
        family_name=str(values.get("family_name") or ""),
        given_names=(given,) if given else (),
        birth_date=str(values.get("birth_date") or ""),
        usage_name=str(values.get("usage_name") or ""),
        civility=str(values.get("civility") or ""),
    )


class StaffIdentitiesRecorded(Intake.Event):
    """``identities``: STS id → {family_name, usage_name, given_name,
    birth_date (ISO or ""), civility, line}."""

    TOPIC = "entsync:TimetableImport.StaffIdentitiesRecorded.v1"
    identities: dict[str, dict[str, Any]]
    at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.staff = self.identities
        super().apply(aggregate)


class StsOverwriteSuspected(Intake.Event):
    """``before``/``after``: the identity fields (no line); ``account_id``:
    the AAF account holding the STS id (ENTPersonSTSId) when the import
    was applied, "" if none."""

    TOPIC = "entsync:TimetableImport.StsOverwriteSuspected.v1"
    sts_id: str
    before: dict[str, str]
    after: dict[str, str]
    score: float
    reasons: list[str]
    account_id: str
    jointure: str
    import_id: str
    file: str
    line: int
    at: datetime

    def apply(self, aggregate: Any) -> None:
        # As the SIECLE records keep theirs: the anomaly's version → the account it names.
        aggregate.suspected = {**getattr(aggregate, "suspected", {}), self.originator_version: self.account_id}
        aggregate.suspected_ids = {**getattr(aggregate, "suspected_ids", {}), self.originator_version: self.sts_id}
        super().apply(aggregate)
