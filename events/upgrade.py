"""An upgrade of the store to the rules of a release (domain-rules §12: a
rule change corrects existing stores). One stream per rules generation, so
that a store is upgraded once to each; the fact says what the upgrade changed
and which deliveries must be read again (records an earlier release rejected
for a rule that changed; the store does not hold them, the files do)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE

# The generation of the rules that derive the read model from the log. Raise
# it when a release reads recorded facts differently (domain-rules §12): an
# existing store is then upgraded (events/usecases/upgrade.py) and CHANGELOG.md says
# what the upgrade changes. 1 = entsync 0.1.0; 2 = 0.2.0 (teacher profile,
# structures whose code fails the check letter, VE1301 students); 3 = the
# identity rule (issue 15): the overwrites it finds in the log are recorded;
# 4 = SIECLE records judged by it (issue 15): the SIECLE overwrites and
# swapped guardians it finds in the log are recorded; 5 = keyed login streams
# (issue 17): the read model's ``logins`` is keyed by the stream id
# (``login_key``), so the upgrade rebuilds its tables in the new shape.
RULES = 5


def upgrade_id(rules: int) -> UUID:
    return uuid5(NAMESPACE, f"upgrade:rules-{rules}")


class Upgrade(Aggregate):
    TOPIC = "entsync:Upgrade.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Upgrade.Event.v1"

    class Recorded(Event, Aggregate.Created):
        """``corrections``: what changed, by kind (``profile``…) → count;
        ``reread``: ``{delivery_id, source, reasons: {reason: count}}`` of the
        applied deliveries to read again; ``at``: the store's last effective
        time (an upgrade does not move the clock); ``upgraded_at``: wall clock."""

        TOPIC = "entsync:Upgrade.Recorded.v1"
        rules: int
        previous_rules: int
        release: str
        corrections: dict[str, int]
        reread: list[dict[str, Any]]
        at: datetime
        upgraded_at: datetime

    @staticmethod
    def create_id(rules: int, **_: object) -> UUID:
        return upgrade_id(rules)

    @event(Recorded)
    def __init__(
        self,
        rules: int,
        previous_rules: int,
        release: str,
        corrections: dict[str, int],
        reread: list[dict[str, Any]],
        at: datetime,
        upgraded_at: datetime,
    ):
        self.rules, self.previous_rules, self.release = rules, previous_rules, release
        self.corrections, self.reread = dict(corrections), list(reread)
        self.at, self.upgraded_at = at, upgraded_at


def sealing_id() -> UUID:
    return uuid5(NAMESPACE, "upgrade:sealing")


class Sealing(Aggregate):
    """The personal fields of a store written by an earlier release sealed in
    place (issue 17): its stored events' states re-encoded, never their
    meaning. One stream per store: recorded once, when the walk ends."""

    TOPIC = "entsync:Sealing.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Sealing.Event.v1"

    class Completed(Event, Aggregate.Created):
        """``events`` stored events sealed in ``batches`` transactions, up to
        the notification ``position``; ``at``: the store's last effective
        time (the upgrade does not move the clock); ``upgraded_at``: wall clock."""

        TOPIC = "entsync:Sealing.Completed.v1"
        release: str
        events: int
        batches: int
        position: int
        at: datetime
        upgraded_at: datetime

    @staticmethod
    def create_id(**_: object) -> UUID:
        return sealing_id()

    @event(Completed)
    def __init__(self, release: str, events: int, batches: int, position: int, at: datetime, upgraded_at: datetime):
        self.release, self.events, self.batches, self.position = release, events, batches, position
        self.at, self.upgraded_at = at, upgraded_at
