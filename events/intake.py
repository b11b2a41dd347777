"""One lifecycle for the three intake aggregates (domain-rules §7, §11, §12):
an AAF delivery (events/delivery.py), a SIECLE import
(events/siecle/intake.py) and a timetable import (events/imports.py). A
received file may wait or be held for an operator, and is applied or
rejected; what a source adds (a delta waiting behind a held delivery, a
timetable import awaiting validation) is a row of its table below.

A lifecycle is a table from an event (by its class name) to the statuses it
may be recorded in and the status it leads to. ``Intake`` checks every
command against the table before its event is triggered, and moves the
status when the event is applied — when the log is replayed too, so a stored
intake has the status its table gives. Events the table does not name
(records set aside, for one) are recorded in any status and move nothing.

The event classes stay nested in their aggregates: their stored topics do
not move (events/store.py); they share only ``Intake.Event``'s behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate

from events.timetable.reasons import THRESHOLD_EXCEEDED


class Status(StrEnum):
    RECEIVED = "received"
    WAITING = "waiting"  # a delta behind a held delivery of its scope
    HELD = "held"  # a brake or a missing part: an operator releases or rejects
    RELEASED = "released"
    AWAITING_VALIDATION = "awaiting_validation"  # a first timetable of the year
    VALIDATED = "validated"
    CANCELLED = "cancelled"
    REPLACED = "replaced"
    RETRIED = "retried"
    APPLYING = "applying"  # the facts are being written, in batches
    APPLIED = "applied"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Step:
    """An event of a lifecycle: the statuses it may be recorded in (and, when
    ``reasons`` is given, only if the intake came there for one of them) and
    the status it leads to (None: the status stays). ``refusal``: the message
    when it does not apply, the lifecycle's when empty."""

    source: tuple[Status, ...]
    target: Status | None = None
    reasons: tuple[str, ...] = ()
    refusal: str = ""


@dataclass(frozen=True)
class Lifecycle:
    """The steps by event class name. A refusal is formatted with ``id``,
    ``status`` (with its reason when only the reason forbids), ``expected``
    (the statuses the step applies in) and ``reasons``."""

    steps: Mapping[str, Step]
    refusal: str


S = Status

DELIVERY = Lifecycle(
    {
        "Waiting": Step((S.RECEIVED,), S.WAITING),
        "Held": Step((S.RECEIVED, S.WAITING), S.HELD),
        "Released": Step((S.HELD,), S.RELEASED, refusal="delivery is {status}, not held"),
        "Rejected": Step(
            (S.RECEIVED, S.WAITING, S.HELD, S.RELEASED),
            S.REJECTED,
            refusal="delivery is {status}; it cannot be rejected",
        ),
        "ApplyStarted": Step((S.RECEIVED, S.WAITING, S.RELEASED), S.APPLYING),
        "Applied": Step((S.APPLYING,), S.APPLIED),
    },
    refusal="delivery is {status}; expected {expected}",
)

# A released export is received again: it is applied next, as if never held.
SIECLE = Lifecycle(
    {
        "Held": Step((S.RECEIVED,), S.HELD, refusal="SIECLE import is {status}; it cannot be held"),
        "Released": Step(
            (S.HELD,), S.RECEIVED, refusal="SIECLE import is {status}; only a held import can be released"
        ),
        "Rejected": Step((S.RECEIVED, S.HELD), S.REJECTED, refusal="SIECLE import is {status}; it cannot be rejected"),
        "ApplyStarted": Step((S.RECEIVED,), S.APPLYING),
        "Applied": Step((S.APPLYING,), S.APPLIED),
    },
    refusal="SIECLE import is {status}; expected {expected}",
)

# Lifting thresholds and retrying are for an import its thresholds rejected (001 §3.4).
RETRY = "import {id} is {status}; only an import rejected for {reasons} can be retried"
TIMETABLE = Lifecycle(
    {
        "Read": Step((S.RECEIVED,)),
        "AwaitingValidation": Step((S.RECEIVED, S.RETRIED), S.AWAITING_VALIDATION),
        "MatchedByHand": Step((S.AWAITING_VALIDATION,)),
        "Resolved": Step((S.RECEIVED, S.AWAITING_VALIDATION, S.RETRIED)),
        "Cancelled": Step((S.AWAITING_VALIDATION,), S.CANCELLED),
        "Replaced": Step((S.AWAITING_VALIDATION,), S.REPLACED),
        "EndDateAccepted": Step((S.AWAITING_VALIDATION,)),
        "Validated": Step((S.AWAITING_VALIDATION,), S.VALIDATED),
        "Applied": Step((S.RECEIVED, S.VALIDATED, S.RETRIED), S.APPLIED),
        "Rejected": Step((S.RECEIVED, S.RETRIED), S.REJECTED),
        "ThresholdsLifted": Step((S.REJECTED,), reasons=(THRESHOLD_EXCEEDED,), refusal=RETRY),
        "Retried": Step((S.REJECTED,), S.RETRIED, reasons=(THRESHOLD_EXCEEDED,), refusal=RETRY),
    },
    refusal="import {id} is {status}; expected {expected}",
)


class TransitionRefused(ValueError):
    """A command that does not apply to the intake's current status."""


class Intake(Aggregate):
    """A received file on its way to being applied or rejected. The shared
    fields: ``status``, ``reason`` (why it is or was held or rejected, ``""``
    otherwise) and ``received_at`` (the effective time of receipt). No topic
    of its own: nothing is stored under it, only under the three aggregates."""

    LIFECYCLE: ClassVar[Lifecycle]
    status: str
    reason: str
    received_at: datetime

    class Event(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            # After the decorated method's body (eventsourcing calls it first),
            # when recorded and when replayed alike.
            step = aggregate.LIFECYCLE.steps.get(type(self).__name__)
            if step is not None and step.target is not None:
                aggregate.status = step.target.value
            super().apply(aggregate)

    def _receive(self, at: datetime) -> None:
        """The shared fields of a file just received (called by ``__init__``)."""
        self.status = Status.RECEIVED.value
        self.reason = ""
        self.received_at = at

    def allows(self, event: str) -> bool:
        """Whether the event named ``event`` may be recorded now."""
        step = self.LIFECYCLE.steps.get(event)
        return step is None or (self.status in step.source and (not step.reasons or self.reason in step.reasons))

    def _require(self, event: str) -> None:
        if self.allows(event):
            return
        step = self.LIFECYCLE.steps[event]
        status = f"{self.status} ({self.reason})" if self.status in step.source else self.status
        raise TransitionRefused(
            (step.refusal or self.LIFECYCLE.refusal).format(
                id=self.id, status=status, expected=" or ".join(step.source), reasons=" or ".join(step.reasons)
            )
        )

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        # Every command method (@event) comes through here, a replay never does.
        self._require(event_class.__name__)
        super().trigger_event(event_class, **kwargs)
