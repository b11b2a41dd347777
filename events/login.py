"""Login reservations: one stream per login, so that a login is given once
in the whole directory, for ever (domain-rules §6). Saving a reservation in
the same transaction as the account creation makes a concurrent second
reservation of the same login fail on the stream's first version.

A stream's id is a keyed hash of its login (issue 17, design §5): built from
names, a login stays reserved after its person is erased, through an id that
only the store's pepper finds again (a ``uuid5`` of the login was found from
any list of names). Stores of earlier releases hold ``uuid5`` streams: see
``reservation_ids``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.account import NAMESPACE
from events.personal import keyed


def login_key(pepper: bytes, login: str) -> str:
    """The keyed hash of a login: 32 hex characters, its stream's id."""
    return keyed(pepper, "login", login)


def login_id(pepper: bytes, login: str) -> UUID:
    return UUID(hex=login_key(pepper, login))


def legacy_login_id(login: str) -> UUID:
    """The stream id earlier releases gave a login (plain ``uuid5``)."""
    return uuid5(NAMESPACE, f"login:{login}")


def reservation_ids(pepper: bytes, login: str) -> tuple[UUID, UUID]:
    """The streams whose existence means ``login`` is reserved: the keyed one,
    and the ``uuid5`` one of a store written by an earlier release. The
    compatibility rule: a login is reserved if EITHER exists — until the
    upgrade re-keys the old streams (design-17 §6), after which only the
    keyed one is written and found."""
    return login_id(pepper, login), legacy_login_id(login)


@dataclass
class Taken:
    """Every login the directory reserved, for giving a new one
    (events/rules.login_for): by name, and by stream id (``logins.login_key``)
    — after an erasure only the key is left, and the login stays taken."""

    logins: set[str] = field(default_factory=set)
    keys: frozenset[str] = frozenset()  # stream ids' hex, keyed or uuid5 (reservation_ids)
    pepper: bytes = b""

    def __contains__(self, login: object) -> bool:
        if not isinstance(login, str):
            return False
        return login in self.logins or any(i.hex in self.keys for i in reservation_ids(self.pepper, login))

    def add(self, login: str) -> None:
        self.logins.add(login)

    def copy(self) -> Taken:
        return Taken(set(self.logins), self.keys, self.pepper)


def reserve(pepper: bytes, login: str, account_id: str, at: datetime) -> Login:
    """The reservation of ``login`` for an account, on its keyed stream."""
    return Login._create(Login.Reserved, id=login_id(pepper, login), login=login, account_id=account_id, at=at)


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
    def create_id(**_: object) -> UUID:
        # The id is keyed with the store's pepper, which is no field of the
        # event: a reservation is built by ``reserve``, never guessed.
        raise TypeError("a login's stream id is keyed: reserve(pepper, login, account_id, at)")

    @event(Reserved)
    def __init__(self, login: str, account_id: str, at: datetime):
        self.login = login
        self.account_id = account_id
