"""An operator confirms or dismisses an anomaly (issue 15, domain-rules §5,
§11): ``entsync anomalies confirm|dismiss ID`` and the API's
``POST /api/v1/anomalies/{id}/confirm|dismiss``.

The anomaly is named by its id or a prefix of at least 6 hex characters
that names exactly one open anomaly of a decidable kind. One save records
the decision (``AnomalyReview``, events/anomaly.py) and what it does to its
subject, which depends on the kind: ``HANDLERS`` maps each decidable kind
to what confirming and dismissing it record (today the AAF's suspected
overwrite, events/usecases/overwrite_review.py; wave 2 adds its kinds
there). The read model answers through ``ReviewQueries``
(projections/review_queries.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from string import hexdigits
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.anomaly import MIN_PREFIX, AnomalyDecided, AnomalyReview, short
from events.policy import Policy
from events.usecases import duplicate_review
from events.usecases.ports import EventLog, ReadModel
from events.usecases.siecle_review import Overwrites, Swaps


@dataclass(frozen=True)
class ConfirmAnomaly:
    """What the anomaly suspects is so: its kind's correction is recorded."""

    id_or_prefix: str
    author: str
    reason: str


@dataclass(frozen=True)
class DismissAnomaly:
    """Nothing to correct: the anomaly is closed (a suspension it caused ends)."""

    id_or_prefix: str
    author: str
    reason: str


@dataclass(frozen=True)
class Reviewable:
    """An anomaly an operator may decide, as the read model has it."""

    anomaly_id: str
    kind: str
    subject: tuple[str, ...]  # a stream and a version, or the keys of a pair
    status: str  # open | confirmed | dismissed
    decided_by: str = ""
    delivery_id: str = ""
    file: str = ""
    line: int = 0
    at: datetime | None = None  # when it was detected


@dataclass(frozen=True)
class Decided:
    """What a decision recorded; ``effects``: what it did to its subject."""

    anomaly_id: str
    kind: str
    decision: str
    author: str
    reason: str
    at: datetime
    effects: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "id": short(self.anomaly_id), "at": self.at.isoformat()}


class ReviewRefused(ValueError):
    """A decision that cannot be taken; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AnomalyNotFound(LookupError):
    """No open decidable anomaly, or more than one, answers to the id given."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ReviewQueries(Protocol):
    def anomalies(self, prefix: str) -> list[Reviewable]:
        """The anomalies whose id (hex, without dashes) starts with ``prefix``."""


class ReviewWork(Protocol):
    """The unit of work of a decision (daemon/bootstrap.Context)."""

    @property
    def log(self) -> EventLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def review_queries(self) -> ReviewQueries: ...
    @property
    def policy(self) -> Policy: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


# What deciding an anomaly records on its subject: the aggregates changed
# (saved with the decision) and what to report.
Changes = tuple[tuple[Any, ...], dict[str, Any]]


class KindHandler(Protocol):
    def confirm(self, uow: ReviewWork, anomaly: Reviewable, cmd: ConfirmAnomaly, at: datetime) -> Changes: ...
    def dismiss(self, uow: ReviewWork, anomaly: Reviewable, cmd: DismissAnomaly, at: datetime) -> Changes: ...


# The decidable kinds (events/anomaly_kinds.py ``decidable``) and what deciding each records.
# suspected_overwrite of the AAF or SIECLE, guardians_swapped (events/usecases/siecle_review.py),
# suspected_duplicate pairs (events/usecases/duplicate_review.py).
HANDLERS: dict[str, KindHandler] = {
    "suspected_overwrite": Overwrites,
    "guardians_swapped": Swaps,
    "suspected_duplicate": duplicate_review,
}


def resolve(uow: ReviewWork, key: str) -> Reviewable:
    """The one open decidable anomaly ``key`` names (its id or a prefix)."""
    prefix = key.strip().lower().replace("-", "")
    if len(prefix) < MIN_PREFIX or any(c not in hexdigits for c in prefix):
        raise AnomalyNotFound("bad_id", f"{key!r}: give an anomaly id or at least {MIN_PREFIX} of its hex characters")
    found = [a for a in uow.review_queries.anomalies(prefix) if a.kind in HANDLERS]
    still_open = [a for a in found if a.status == "open"]
    if len(still_open) == 1:
        return still_open[0]
    if len(still_open) > 1:
        ids = ", ".join(sorted(short(a.anomaly_id) for a in still_open))
        raise AnomalyNotFound("ambiguous_id", f"{key!r} names {len(still_open)} open anomalies ({ids}): give more")
    if len(found) == 1:
        a = found[0]
        raise AnomalyDecided(f"anomaly {short(a.anomaly_id)} was already {a.status} by {a.decided_by}")
    raise AnomalyNotFound("unknown_id", f"no open anomaly to decide is {key!r} (see entsync anomalies)")


def confirm(cmd: ConfirmAnomaly, uow: ReviewWork, now: datetime | None = None) -> Decided:
    """Record the confirmation and its kind's correction at ``now``, in one save."""
    return _decide(cmd, uow, "confirmed", now)


def dismiss(cmd: DismissAnomaly, uow: ReviewWork, now: datetime | None = None) -> Decided:
    """Record the dismissal (and what it ends, a suspension) at ``now``, in one save."""
    return _decide(cmd, uow, "dismissed", now)


def _decide(cmd: ConfirmAnomaly | DismissAnomaly, uow: ReviewWork, decision: str, now: datetime | None) -> Decided:
    at = uow.effective_now(now)
    if not cmd.reason.strip():
        raise ReviewRefused("reason_required", "a decision needs a reason (--reason)")
    uow.projection.catch_up(uow.log)
    anomaly = resolve(uow, cmd.id_or_prefix)
    review: AnomalyReview | None = uow.log.find(UUID(anomaly.anomaly_id))
    if review is None:
        review = AnomalyReview(anomaly=anomaly.anomaly_id, kind=anomaly.kind, subject=list(anomaly.subject), at=at)
    handler = HANDLERS[anomaly.kind]
    if isinstance(cmd, ConfirmAnomaly):
        review.confirm(cmd.author, cmd.reason, at)  # refuses a second decision (another caller's, meanwhile)
        changes = handler.confirm(uow, anomaly, cmd, at)
    else:
        review.dismiss(cmd.author, cmd.reason, at)
        changes = handler.dismiss(uow, anomaly, cmd, at)
    changed, effects = changes
    try:
        uow.log.save(review, *changed)
    except IntegrityError:  # another caller decided, or a delivery changed the account, meanwhile
        raise AnomalyDecided(
            f"anomaly {short(anomaly.anomaly_id)} or its account changed meanwhile: try again"
        ) from None
    uow.projection.catch_up(uow.log)
    return Decided(anomaly.anomaly_id, anomaly.kind, decision, cmd.author, cmd.reason, at, effects)
