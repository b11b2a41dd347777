"""Where an establishment's groups get their members (domain-rules §2):
siecle, timetable or manual, chosen by an operator or the establishment's
administrator. One use case for `entsync group-source UAI SOURCE` and the
API's POST /structures/{uai}/group-source."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from events.structure import GroupSource, group_source_id
from events.usecases.ports import EventLog


class GroupSourceWork(Protocol):
    @property
    def log(self) -> EventLog: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


def choose_group_source(uai: str, source: str, author: str, uow: GroupSourceWork, now: datetime | None) -> None:
    """Record ``source`` as ``uai``'s group source, by ``author``; the
    caller has checked the establishment exists (and is the caller's)."""
    stream = uow.log.find(group_source_id(uai))
    at = uow.effective_now(now)
    if stream is None:
        stream = GroupSource(uai=uai, source=source, operator=author, at=at)
    else:
        stream.choose(source, author, at)
    uow.log.save(stream)
