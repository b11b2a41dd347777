"""The answers of an account's history and diff (daemon/http/history_routes.py).
A fact's fields depend on its event and its source (the same records as
``entsync history --json``, daemon/history/): the fields every fact has are
declared, the rest are allowed (``Stored``) and documented here."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daemon.http.models import Row, Stored


class Change(Stored):
    before: Any = Field(None, description="the value before (null: none)")
    after: Any = Field(None, description="the value after (null: none)")


class Transition(Row):
    before: str | None = Field(description="the account's state before the fact (null: it did not exist)")
    after: str | None


class Fact(Stored):
    """One fact about the account. Besides the fields below, as its event has
    them: ``version`` (the account's own facts), ``stream`` (groups, merge,
    siecle_student, siecle_guardian, timetable; absent: the account's own),
    ``delivery_id`` or ``import_id``, ``file``, ``line``, ``reason``,
    ``author``, ``cause`` (a departure SIECLE declared: the leaving date it
    rests on, with its import, file and line)…"""

    event: str = Field(description="the event, e.g. Changed, SiecleStudent.LeavingDateSet, TimetableImport.Applied")
    at: str | None = Field(description="its effective time (ISO 8601)")
    source: str = Field(description="aaf | siecle | timetable | admin | clock | upgrade")
    changes: dict[str, Change] = Field(
        default_factory=dict, description="the fields it changed, before and after; absent when none"
    )
    transition: Transition | None = Field(None, description="present when the account's state moved")
    flags: list[str] = Field(
        default_factory=list, description="overwrite_suspected, set_aside, duplicate, link_unresolved, not_matched…"
    )


class History(Row):
    key: str = Field(description="the key asked")
    jointure: str
    facts: list[Fact] = Field(description="oldest first, in effective-time order")


class AccountAt(Stored):
    """The account as its facts up to a time made it (daemon/history/diff.py)."""

    state: str
    login: str
    identity: dict[str, list[str]]
    structures: list[str]
    classes: list[str]
    groups: list[str]
    attachments: dict[str, str]


class FactSeen(Stored):
    at: str | None
    source: str
    event: str


class Diff(Row):
    jointure: str
    account_id: str
    from_: str = Field(alias="from", description="the first time (ISO 8601)")
    to: str
    before: AccountAt | None = Field(description="null: the account did not exist yet")
    after: AccountAt | None
    changes: dict[str, Change] = Field(description="what differs between the two (identity.ATTRIBUTE for identity)")
    events: list[FactSeen] = Field(description="the facts recorded between the two times, from every source")
