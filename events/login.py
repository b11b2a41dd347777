"""Login reservations: one stream per login, so that a login is given once
in the whole directory, for ever (domain-rules §6). Saving a reservation in
the same transaction as the account creation makes a concurrent second
reservation of the same login fail on the stream's first version."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE


def login_id(login: str) -> UUID:
    return uuid5(NAMESPACE, f"login:{login}")


class Login(Aggregate):
    TOPIC = "entsync:Login.v1"

    class Event(Aggregate.Event):
        TOPIC = "entsync:Login.Event.v1"

    class Created(Event, Aggregate.Created):
        TOPIC = "entsync:Login.Created.v1"

    class Reserved(Created):
        TOPIC = "entsync:Login.Reserved.v1"
        login: str
        account_id: str
        at: datetime

    @staticmethod
    def create_id(login: str, **_: object) -> UUID:
        return login_id(login)

    @event(Reserved)
    def __init__(self, login: str, account_id: str, at: datetime):
        self.login = login
        self.account_id = account_id
