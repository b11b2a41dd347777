"""An account's history and diff on the API (issue 15; issue 16's support
console calls them): the records of ``entsync history --json`` and
``entsync diff --json`` (daemon/history/). Routes of the ``directory``
group (daemon/http/api.py): every role, within its establishments — an
account outside them is a 404, as the account read answers. The values of
the person's names are the point of a history: it is served to the
authorised caller only, never logged."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from daemon.history.build import account_history
from daemon.history.diff import account_diff
from daemon.http import history_models as hm
from daemon.http import reads
from daemon.http.api import TEXT, Reader, Served, _get, _read, directory
from daemon.http.errors import not_found
from daemon.http.times import IsoTime

history = APIRouter(prefix=directory.prefix, dependencies=directory.dependencies)

KEY = Path(description="jointure, login (current or reserved) or account id", pattern=TEXT)
Key = Annotated[str, KEY]


Time = IsoTime


def _aware(at: datetime) -> datetime:
    """A time without an offset is UTC (the API's times carry theirs)."""
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def read_history(ctx: Any, *, scope: reads.Scope, key: str, since: datetime | None) -> dict:
    """The account read's scope first: unknown is a 404, outside the caller's UAIs too.
    The service keeps the read models caught up; a read does not write them."""
    found = reads.account(ctx, scope=scope, key=key)
    facts = account_history(ctx, key, since=since)
    if facts is None:
        raise not_found("account")
    return {"key": key, "jointure": found["jointure"], "facts": facts}


def read_diff(ctx: Any, *, scope: reads.Scope, key: str, start: datetime, end: datetime) -> dict:
    reads.account(ctx, scope=scope, key=key)
    found = account_diff(ctx, key, start, end)
    if found is None:
        raise not_found("account")
    return found


@_get(history, "/accounts/{key:segment}/history", hm.History, "getAccountHistory",
      "Every fact about one account, from every source, oldest first.", 400, 404)  # fmt: skip
def get_history(
    site: Served,
    request: Request,
    who: Reader,
    key: Key,
    since: Annotated[Time | None, Query(description="only the facts from this time on (ISO 8601)")] = None,
) -> Any:
    return _read(site, request, who, read_history, key=key, since=_aware(since) if since else None)


@_get(history, "/accounts/{key:segment}/diff", hm.Diff, "getAccountDiff",
      "One account at two times, and what changed between.", 400, 404)  # fmt: skip
def get_diff(
    site: Served,
    request: Request,
    who: Reader,
    key: Key,
    from_: Annotated[Time, Query(alias="from", description="the first time (ISO 8601)")],
    to: Annotated[Time, Query(description="the second time (ISO 8601)")],
) -> Any:
    start, end = _aware(from_), _aware(to)
    return _read(site, request, who, read_diff, key=key, start=start, end=end)
