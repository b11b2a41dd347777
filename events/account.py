"""The account aggregate: one stream per person of the AAF, keyed by the
jointure (domain-rules §11). It records what the sources said about the
person and every state transition, each with its effective time ``at``.

States (domain-rules §3, §4): pending → active → departing → removed;
pending → withdrawn (left before creation); pending → no_account (a guardian
without any legal link); departing → active on reappearance.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.enrolment import enrolment, new_enrolment
from events.rules import creation_due as due_after
from events.rules import normalised_identity, overwrite_suspected

NAMESPACE = uuid5(NAMESPACE_URL, "https://entsync.invalid/")


IDENTITY_ATTRIBUTES = ("sn", "givenName", "ENTPersonDateNaissance")


def _first(attrs: dict[str, list[str]], name: str) -> str:
    values = attrs.get(name) or [""]
    return values[0]


class TransitionRefused(Exception):
    """A command that does not apply to the account's current state."""


def account_id(jointure: str) -> UUID:
    """Deterministic id of the account of an AAF person (style: uuid5 of the key)."""
    return uuid5(NAMESPACE, f"aaf-person:{jointure}")


class Account(Aggregate):
    TOPIC = "entsync:Account.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Account.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:Account.Created.v1"

    class Appeared(Created):
        """The person was first seen in a source (starts the 48 h clock)."""

        TOPIC = "entsync:Account.Appeared.v1"
        jointure: str
        category: str
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime
        creation_due: datetime

    @staticmethod
    def create_id(jointure: str, **_: object) -> UUID:
        return account_id(jointure)

    @event(Appeared)
    def __init__(
        self,
        jointure: str,
        category: str,
        attrs: dict[str, list[str]],
        digest: str,
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
        creation_due: datetime,
    ):
        self.jointure = jointure
        self.category = category
        self.attrs = attrs
        self.digest = digest
        self.state = "pending"
        self.present = True
        self.login = ""
        self.first_seen = at
        self.creation_due = creation_due
        self.removal_due: datetime | None = None
        self.declared_left_on = ""  # a departure declared by SIECLE (DepartureDeclared)
        self.enrolment_at_departure: dict[str, list[str]] = {}
        self.set_aside: dict[str, str] = {}  # attribute → reason (FieldsSetAside)

    class Changed(Event):
        """The source record changed (full new attribute map)."""

        TOPIC = "entsync:Account.Changed.v1"
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime

    @event(Changed)
    def _changed(
        self, attrs: dict[str, list[str]], digest: str, delivery_id: str, file: str, line: int, at: datetime
    ) -> None:
        self.attrs = attrs
        self.digest = digest

    class Reappeared(Event):
        """A person who had left (or was withdrawn/removed) is back in a source."""

        TOPIC = "entsync:Account.Reappeared.v1"
        attrs: dict[str, list[str]]
        digest: str
        delivery_id: str
        file: str
        line: int
        at: datetime
        state: str
        creation_due: datetime | None

    @event(Reappeared)
    def _reappeared(
        self,
        attrs: dict[str, list[str]],
        digest: str,
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
        state: str,
        creation_due: datetime | None,
    ) -> None:
        self.attrs = attrs
        self.digest = digest
        self.present = True
        self.state = state
        self.removal_due = None
        self.declared_left_on = ""
        if creation_due is not None:
            self.creation_due = creation_due

    class FieldsSetAside(Event):
        """The attributes of the person's record the directory does not use,
        each with the reason code of its implausible value (domain-rules §12);
        an empty map: none any more. The record's values stay as the source
        gave them in Appeared/Changed/Reappeared; the read model, logins and
        identities use the others. Recorded before the record event of the
        same delivery that it qualifies (after Appeared for a new stream)."""

        TOPIC = "entsync:Account.FieldsSetAside.v1"
        fields: dict[str, str]
        delivery_id: str
        file: str
        line: int
        at: datetime

    @event(FieldsSetAside)
    def _fields_set_aside(self, fields: dict[str, str], delivery_id: str, file: str, line: int, at: datetime) -> None:
        self.set_aside = dict(fields)

    def set_aside_fields(self, fields: dict[str, str], delivery_id: str, file: str, line: int, at: datetime) -> None:
        """Record which attributes are set aside, when that changes."""
        if dict(fields) != getattr(self, "set_aside", {}):
            self._fields_set_aside(dict(fields), delivery_id, file, line, at)

    class Reclassified(Event):
        """An upgrade found that the rules of this release read the person's
        record differently from the release that built the store (domain-rules
        §12: a rule change corrects existing stores): ``field`` (``profile``)
        goes from ``before`` to ``after``. ``rule`` names the rule that
        changed; ``at`` is the store's last effective time (an upgrade does not
        move the clock)."""

        TOPIC = "entsync:Account.Reclassified.v1"
        field: str
        before: str
        after: str
        rule: str
        release: str
        at: datetime

    @event(Reclassified)
    def _reclassified(self, field: str, before: str, after: str, rule: str, release: str, at: datetime) -> None:
        pass

    def reclassify(self, field: str, before: str, after: str, rule: str, release: str, at: datetime) -> None:
        self._reclassified(field, before, after, rule, release, at)

    def record(
        self,
        attrs: dict[str, list[str]],
        digest: str,
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
        creation_delay: timedelta,
        overwrite_threshold: float = 0.6,
        set_aside: dict[str, str] | None = None,
    ) -> None:
        """The source delivered this record again with other content, or after
        the person had left (domain-rules §4: back to active, same login). A
        record that now describes someone else is flagged (domain-rules §5).
        ``set_aside``: the attributes of the new record set aside
        (domain-rules §12); None leaves them as they were."""
        before = self.attrs
        aside_before = getattr(self, "set_aside", {})
        if set_aside is not None:
            self.set_aside_fields(set_aside, delivery_id, file, line, at)
        aside_after = getattr(self, "set_aside", {})
        if self.present:
            self._changed(attrs, digest, delivery_id, file, line, at)
            declared = getattr(self, "declared_left_on", "")
            if declared and self.state in ("departing", "withdrawn"):
                then, now = self.enrolment_at_departure, enrolment(self.category, attrs)
                if new_enrolment(then, now):
                    self.cancel_declared_departure(
                        "new_enrolment",
                        {"left_on": declared, "before": then, "after": now, "delivery_id": delivery_id},
                        at,
                    )
        else:
            if self.state in ("departing", "deactivated"):
                state, due = "active", None
            else:
                state, due = "pending", due_after(at, creation_delay)
            self._reappeared(attrs, digest, delivery_id, file, line, at, state, due)
        # A value set aside on either side says nothing of who the person is.
        unknown = set(aside_before) | set(aside_after)
        kept = [
            {k: [] if k in aside else a.get(k, []) for k in IDENTITY_ATTRIBUTES}
            for a, aside in ((before, aside_before), (attrs, aside_after))
        ]
        names = [
            "" if unknown & {"sn", "givenName"} else normalised_identity(_first(a, "sn"), _first(a, "givenName"))
            for a in kept
        ]
        births = ["" if "ENTPersonDateNaissance" in unknown else _first(a, "ENTPersonDateNaissance") for a in kept]
        if overwrite_suspected(names[0], names[1], births[0], births[1], overwrite_threshold):
            self._overwrite_suspected(kept[0], kept[1], delivery_id, file, line, at)

    class OverwriteSuspected(Event):
        """The same jointure now names someone else: a record retyped for another
        person (compte écrasé, domain-rules §5), with before and after values."""

        TOPIC = "entsync:Account.OverwriteSuspected.v1"
        before: dict[str, list[str]]
        after: dict[str, list[str]]
        delivery_id: str
        file: str
        line: int
        at: datetime

    @event(OverwriteSuspected)
    def _overwrite_suspected(
        self,
        before: dict[str, list[str]],
        after: dict[str, list[str]],
        delivery_id: str,
        file: str,
        line: int,
        at: datetime,
    ) -> None:
        pass

    class Departed(Event):
        """The person left every structure; the account is kept until removal_due."""

        TOPIC = "entsync:Account.Departed.v1"
        reason: str
        delivery_id: str
        at: datetime
        removal_due: datetime
        provisional: bool

    @event(Departed)
    def _departed(self, reason: str, delivery_id: str, at: datetime, removal_due: datetime, provisional: bool) -> None:
        self.present = False
        self.state = "departing"
        self.removal_due = removal_due

    class Withdrawn(Event):
        """The person left while the account was still pending: never created."""

        TOPIC = "entsync:Account.Withdrawn.v1"
        reason: str
        delivery_id: str
        at: datetime

    @event(Withdrawn)
    def _withdrawn(self, reason: str, delivery_id: str, at: datetime) -> None:
        self.present = False
        self.state = "withdrawn"

    class LeftSource(Event):
        """Gone from the source while already departing or removed (no state change)."""

        TOPIC = "entsync:Account.LeftSource.v1"
        reason: str
        delivery_id: str
        at: datetime

    @event(LeftSource)
    def _left_source(self, reason: str, delivery_id: str, at: datetime) -> None:
        self.present = False

    def leave(self, reason: str, delivery_id: str, at: datetime, removal_due: datetime, provisional: bool) -> None:
        """The person is absent from a complete delivery or deleted by a delta."""
        if self.state == "pending":
            self._withdrawn(reason, delivery_id, at)
        elif self.state == "active":
            self._departed(reason, delivery_id, at, removal_due, provisional)
        else:
            self._left_source(reason, delivery_id, at)

    class Deactivated(Event):
        """Absent from a complete delivery while an account with the same
        identity stays: a corrected duplicate, deleted at deletion_due (domain-rules §5, §11)."""

        TOPIC = "entsync:Account.Deactivated.v1"
        duplicate_of: str
        delivery_id: str
        at: datetime
        deletion_due: datetime

    @event(Deactivated)
    def _deactivated(self, duplicate_of: str, delivery_id: str, at: datetime, deletion_due: datetime) -> None:
        self.present = False
        self.state = "deactivated"
        self.removal_due = deletion_due

    def deactivate_duplicate(self, duplicate_of: str, delivery_id: str, at: datetime, deletion_due: datetime) -> None:
        """A pending duplicate is simply never created; an active one is deactivated."""
        if self.state == "pending":
            self._withdrawn(f"duplicate_of:{duplicate_of}", delivery_id, at)
        elif self.state == "active":
            self._deactivated(duplicate_of, delivery_id, at, deletion_due)
        else:
            self._left_source("absent_from_complete", delivery_id, at)

    class AccountCreated(Event):
        """The account was created with its login, reserved in the same transaction."""

        TOPIC = "entsync:Account.AccountCreated.v1"
        login: str
        at: datetime
        due: datetime

    @event(AccountCreated)
    def _created(self, login: str, at: datetime, due: datetime) -> None:
        self.login = login
        self.state = "active"

    def create_account(self, login: str, at: datetime) -> None:
        if self.state != "pending":
            raise TransitionRefused(f"account {self.jointure} is {self.state}, not pending")
        if at < self.creation_due:
            raise TransitionRefused(f"account {self.jointure} is not due before {self.creation_due.isoformat()}")
        self._created(self.login or login, at, self.creation_due)

    class Declined(Event):
        """Due, but the person gets no account (a guardian with no legal link)."""

        TOPIC = "entsync:Account.Declined.v1"
        reason: str
        at: datetime

    @event(Declined)
    def _declined(self, reason: str, at: datetime) -> None:
        self.state = "no_account"

    def decline(self, reason: str, at: datetime) -> None:
        if self.state != "pending":
            raise TransitionRefused(f"account {self.jointure} is {self.state}, not pending")
        self._declined(reason, at)

    class Eligible(Event):
        """A person without account got a legal link: pending again, due at once."""

        TOPIC = "entsync:Account.Eligible.v1"
        at: datetime

    @event(Eligible)
    def _eligible(self, at: datetime) -> None:
        self.state = "pending"
        self.creation_due = at

    def become_eligible(self, at: datetime) -> None:
        if self.state != "no_account":
            raise TransitionRefused(f"account {self.jointure} is {self.state}, not no_account")
        self._eligible(at)

    class Removed(Event):
        """The account was removed from the directory (its login stays reserved)."""

        TOPIC = "entsync:Account.Removed.v1"
        reason: str
        at: datetime

    @event(Removed)
    def _removed(self, reason: str, at: datetime) -> None:
        self.state = "removed"
        self.present = False

    def remove(self, reason: str, at: datetime) -> None:
        if self.state not in ("departing", "active", "deactivated"):
            raise TransitionRefused(
                f"account {self.jointure} is {self.state}; only departing, deactivated or active accounts are removed"
            )
        self._removed(reason, at)

    class RemovalRescheduled(Event):
        """A provisional removal date was replaced once the calendar knew the year."""

        TOPIC = "entsync:Account.RemovalRescheduled.v1"
        removal_due: datetime
        provisional: bool
        at: datetime

    @event(RemovalRescheduled)
    def _rescheduled(self, removal_due: datetime, provisional: bool, at: datetime) -> None:
        self.removal_due = removal_due

    def reschedule_removal(self, removal_due: datetime, provisional: bool, at: datetime) -> None:
        if self.state != "departing":
            raise TransitionRefused(f"account {self.jointure} is {self.state}, not departing")
        self._rescheduled(removal_due, provisional, at)

    class RemovalDeferred(Event):
        """The removal moved later to give the minimum notice (domain-rules §12):
        the departure was recorded too close to, or after, the Toussaint that
        follows it. ``notice_from`` is the later of the departure and its
        recording. Also what an upgrade records for a departure an earlier
        release scheduled without the notice."""

        TOPIC = "entsync:Account.RemovalDeferred.v1"
        removal_due: datetime
        notice_from: datetime
        notice_days: int
        at: datetime

    @event(RemovalDeferred)
    def _deferred(self, removal_due: datetime, notice_from: datetime, notice_days: int, at: datetime) -> None:
        self.removal_due = removal_due

    def defer_removal(self, removal_due: datetime, notice_from: datetime, notice_days: int, at: datetime) -> None:
        if self.state != "departing":
            raise TransitionRefused(f"account {self.jointure} is {self.state}, not departing")
        self._deferred(removal_due, notice_from, notice_days, at)

    # ---- precedence of SIECLE over the AAF (domain-rules §11) ------------------
    class CreationClockAdvanced(Event):
        """The person was seen in an earlier source (SIECLE) before the AAF: the
        48 h clock runs from that sighting, which the AAF record does not restart."""

        TOPIC = "entsync:Account.CreationClockAdvanced.v1"
        source: str
        source_id: str
        seen_at: datetime
        creation_due: datetime
        at: datetime

    @event(CreationClockAdvanced)
    def _clock_advanced(
        self, source: str, source_id: str, seen_at: datetime, creation_due: datetime, at: datetime
    ) -> None:
        self.first_seen = seen_at
        self.creation_due = creation_due

    def advance_creation_clock(
        self, source: str, source_id: str, seen_at: datetime, creation_due: datetime, at: datetime
    ) -> None:
        if self.state != "pending":
            raise TransitionRefused(f"account {self.jointure} is {self.state}, not pending")
        if seen_at >= self.first_seen:
            raise TransitionRefused(f"account {self.jointure} was first seen before {seen_at.isoformat()}")
        self._clock_advanced(source, source_id, seen_at, creation_due, at)

    class DepartureDeclared(Event):
        """A source of changes (SIECLE) gave a leaving date that has come: the
        account departs from that date even while the AAF still lists the
        person (or, still pending, is never created)."""

        TOPIC = "entsync:Account.DepartureDeclared.v1"
        source: str
        source_id: str
        left_on: str
        departed_at: datetime
        state: str
        removal_due: datetime | None
        provisional: bool
        at: datetime

    @event(DepartureDeclared)
    def _departure_declared(
        self,
        source: str,
        source_id: str,
        left_on: str,
        departed_at: datetime,
        state: str,
        removal_due: datetime | None,
        provisional: bool,
        at: datetime,
    ) -> None:
        self.state = state
        self.removal_due = removal_due
        self.declared_left_on = left_on
        self.enrolment_at_departure = enrolment(self.category, self.attrs)

    def declare_departure(
        self,
        source: str,
        source_id: str,
        left_on: str,
        departed_at: datetime,
        removal_due: datetime,
        provisional: bool,
        at: datetime,
    ) -> None:
        if self.state == "pending":
            self._departure_declared(source, source_id, left_on, departed_at, "withdrawn", None, False, at)
        elif self.state == "active":
            self._departure_declared(source, source_id, left_on, departed_at, "departing", removal_due, provisional, at)
        else:
            raise TransitionRefused(f"account {self.jointure} is {self.state}; only pending or active accounts depart")

    class DepartureCancelled(Event):
        """A declared departure no longer holds: a new enrolment in the AAF, or
        the leaving date withdrawn or moved later in SIECLE."""

        TOPIC = "entsync:Account.DepartureCancelled.v1"
        reason: str
        evidence: dict[str, Any]
        state: str
        at: datetime

    @event(DepartureCancelled)
    def _departure_cancelled(self, reason: str, evidence: dict[str, Any], state: str, at: datetime) -> None:
        self.state = state
        self.removal_due = None
        self.declared_left_on = ""

    def cancel_declared_departure(self, reason: str, evidence: dict[str, Any], at: datetime) -> None:
        if not self.declared_left_on or self.state not in ("departing", "withdrawn"):
            raise TransitionRefused(f"account {self.jointure} has no declared departure to cancel")
        self._departure_cancelled(reason, evidence, "active" if self.login else "pending", at)
