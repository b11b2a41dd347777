"""Anomaly ids and an operator's decision on an anomaly (issue 15, design-15 "Decisions").

A *detected* anomaly is a fact on its subject's stream (``Account.OverwriteSuspected``): its id
is ``anomaly_id(stream, version)`` of that fact. A *computed* one (a scored pair of duplicates)
is ``anomaly_id_of(kind, *keys)``. Both deterministic, so that a replay finds the same ids.

``AnomalyReview`` is one stream per decided anomaly (its id is the anomaly's): ``Opened`` with
the anomaly's kind and subject, then one decision, ``Confirmed`` or ``Dismissed``; deciding
again is refused. What a decision does to its subject is the use case's
(events/usecases/anomaly_review.py), saved in the same transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.namespace import NAMESPACE

SHORT = 8  # hex characters shown
MIN_PREFIX = 6  # hex characters a command accepts


def anomaly_id(stream_id: UUID | str, version: int) -> UUID:
    """The anomaly recorded as the fact ``version`` of the stream ``stream_id``."""
    return uuid5(NAMESPACE, f"anomaly:{stream_id}:{version}")


def anomaly_id_of(kind: str, *keys: str) -> UUID:
    """A computed anomaly of ``kind`` between ``keys`` (in any order)."""
    return uuid5(NAMESPACE, f"anomaly:{kind}:" + ":".join(sorted(keys)))


def short(anomaly: UUID | str) -> str:
    """How listings show an anomaly id: its first 8 hex characters."""
    return str(anomaly).replace("-", "")[:SHORT]


class AnomalyDecided(ValueError):
    """The anomaly has its decision already."""


class AnomalyReview(Aggregate):
    TOPIC = "entsync:AnomalyReview.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:AnomalyReview.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:AnomalyReview.Created.v1"

    class Opened(Created):
        """The anomaly ``anomaly`` of ``kind`` about ``subject`` (its keys: a stream and a version,
        or the keys of a pair) is under review."""

        TOPIC = "entsync:AnomalyReview.Opened.v1"
        anomaly: str
        kind: str
        subject: list[str]
        at: datetime

    class Confirmed(Event):
        """An operator confirmed the anomaly: what it suspects is so."""

        TOPIC = "entsync:AnomalyReview.Confirmed.v1"
        kind: str
        subject: list[str]
        author: str
        reason: str
        at: datetime

    class Dismissed(Event):
        """An operator dismissed the anomaly: nothing to correct."""

        TOPIC = "entsync:AnomalyReview.Dismissed.v1"
        kind: str
        subject: list[str]
        author: str
        reason: str
        at: datetime

    @staticmethod
    def create_id(anomaly: str, **_: object) -> UUID:
        return UUID(anomaly)

    @event(Opened)
    def __init__(self, anomaly: str, kind: str, subject: list[str], at: datetime) -> None:
        self.kind, self.subject = kind, list(subject)
        self.decision, self.decided_by, self.decided_at = "", "", at

    def confirm(self, author: str, reason: str, at: datetime) -> None:
        self._refuse_decided()
        self._confirmed(self.kind, self.subject, author, reason, at)

    def dismiss(self, author: str, reason: str, at: datetime) -> None:
        self._refuse_decided()
        self._dismissed(self.kind, self.subject, author, reason, at)

    def _refuse_decided(self) -> None:
        if self.decision:
            raise AnomalyDecided(
                f"anomaly {short(self.id)} was already {self.decision} by {self.decided_by} "
                f"at {self.decided_at.isoformat()}: a decision is not taken twice"
            )

    @event(Confirmed)
    def _confirmed(self, kind: str, subject: list[str], author: str, reason: str, at: datetime) -> None:
        self.decision, self.decided_by, self.decided_at = "confirmed", author, at

    @event(Dismissed)
    def _dismissed(self, kind: str, subject: list[str], author: str, reason: str, at: datetime) -> None:
        self.decision, self.decided_by, self.decided_at = "dismissed", author, at
