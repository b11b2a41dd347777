"""The account's facts keep their stored topics and qualified names wherever
their classes are written (events/account.py nests those of
events/account_events.py): a stored log names ``entsync:Account.X.v1`` and
``history`` shows ``Account.X``."""

from __future__ import annotations

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

from events.account import Account


def test_every_account_fact_is_account_x_under_its_topic():
    facts = {
        name: v
        for name in dir(Account)
        if isinstance(v := getattr(Account, name), type) and issubclass(v, CanMutateAggregate)
    }
    assert {"Event", "Appeared", "Changed", "DepartureDeclared", "DuplicateMarked", "AttachmentEnded"} <= set(facts)
    for name, cls in facts.items():
        assert cls.__qualname__ == f"Account.{name}"
        assert get_topic(cls) == cls.__dict__["TOPIC"] == f"entsync:Account.{name}.v1"
        assert resolve_topic(get_topic(cls)) is cls
        assert issubclass(cls, Account.Event)
