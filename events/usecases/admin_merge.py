"""The admin actions that merge two accounts of one person, and take the
merge back (issue 14, domain-rules §1: the ENT platforms can never merge
two accounts; entsync can, audited, and can undo it).

A merge records ``AccountsMerged`` on the absorbed account's merge stream
(events/merge.py) and nothing else: each source keeps writing to its own
account, and the read queries fold the absorbed account into the survivor
while the merge holds. Never automatic: an operator (``scope`` None) or an
establishment administrator whose UAIs cover every UAI of both accounts
(their own structures and attachments) — any other key is "not found", as
for the sibling actions — and always with a reason. ``dry_run`` answers the
preview (events/merge_rules.py) and records nothing.

An unmerge takes a key of either side. Its preview lists the actions taken
while merged — the admin facts (those with an author) of the survivor's
account stream and the establishments' groups facts naming the survivor,
recorded after the merge — which stay with the survivor: keys of the
absorbed account resolved to it meanwhile.

One service layer for every entry point (``entsync admin merge`` and
``unmerge`` now, the HTTP API later); the read model answers through
``MergeQueries`` (projections/merge_queries.py), raw rows, not folded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.merge import AccountMerge, merge_id
from events.merge_rules import MergeAccount, MergePreview, MergeRefused, check_merge, check_unmerge, covered, preview
from events.usecases.ports import EventLog, ReadModel


@dataclass(frozen=True)
class MergeAccounts:
    """Merge the account ``absorbed_key`` into ``survivor_key`` (jointure, login
    or id); ``prefer``: field → "absorbed" where the two disagree."""

    survivor_key: str
    absorbed_key: str
    author: str
    reason: str
    scope: frozenset[str] | None = None
    prefer: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False


@dataclass(frozen=True)
class UnmergeAccounts:
    """End the merge of the account ``key`` (either side)."""

    key: str
    author: str
    reason: str
    scope: frozenset[str] | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class MergeRow:
    """A merge that holds (the ``account_merges`` row)."""

    survivor_id: str
    absorbed_id: str
    alias: str
    decisions: dict[str, Any]
    author: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ActionTaken:
    """An action recorded on the survivor while merged."""

    stream: str  # account | groups
    event: str
    at: datetime
    author: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True)
class Merged:
    """What the merge answers: ``status`` merged, or preview (nothing recorded)."""

    status: str
    preview: MergePreview
    author: str
    reason: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        recorded = {"author": self.author, "reason": self.reason, "at": self.at.isoformat()}
        return {"status": self.status, **self.preview.as_dict(), **recorded}


@dataclass(frozen=True)
class Unmerged:
    """What the unmerge answers: ``status`` unmerged, or preview (nothing recorded)."""

    status: str
    survivor: MergeAccount
    absorbed: MergeAccount
    merge: MergeRow
    actions: tuple[ActionTaken, ...]
    author: str
    reason: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "survivor_id": self.survivor.account_id,
            "survivor_jointure": self.survivor.jointure,
            "survivor_login": self.survivor.login,
            "absorbed_id": self.absorbed.account_id,
            "absorbed_jointure": self.absorbed.jointure,
            "alias": self.merge.alias,
            "merged": {**asdict(self.merge), "at": self.merge.at.isoformat()},
            "actions_while_merged": [a.as_dict() for a in self.actions],
            "actions_stay_with": self.survivor.jointure,
            "author": self.author,
            "reason": self.reason,
            "at": self.at.isoformat(),
        }


class MergeQueries(Protocol):
    """The read-model queries of a merge (projections/merge_queries.py), raw."""

    def account(self, key: str) -> MergeAccount | None:
        """The account of a jointure, a login ever reserved to it, or an
        account id, as its sources made it (no fold)."""

    def merge_of(self, absorbed_id: str) -> MergeRow | None:
        """The merge that holds of the absorbed account ``absorbed_id``."""

    def group_streams(self) -> list[UUID]:
        """The establishments' ManualGroups streams."""


class Streams(Protocol):
    def get(self, originator_id: UUID) -> Iterable[Any]: ...


class MergeLog(EventLog, Protocol):
    """The event log with its streams read event by event (the unmerge preview)."""

    @property
    def events(self) -> Streams: ...


class MergeWork(Protocol):
    """The unit of work of a merge (daemon/bootstrap.Context)."""

    @property
    def log(self) -> MergeLog: ...
    @property
    def projection(self) -> ReadModel: ...
    @property
    def merge_queries(self) -> MergeQueries: ...

    def effective_now(self, now: datetime | None) -> datetime: ...


def _found(uow: MergeWork, key: str, scope: frozenset[str] | None) -> MergeAccount:
    found = uow.merge_queries.account(key) if key else None
    if found is None or not covered(scope, found):
        raise LookupError(f"no account {key!r} (give its jointure, a login or its id)")
    return found


def merge_accounts(cmd: MergeAccounts, uow: MergeWork, now: datetime | None = None) -> Merged:
    """Record the merge at ``now`` (the clock when None), or only preview it.
    Raises LookupError for an unknown account (or one outside ``scope``) and
    MergeRefused with the rule it breaks; nothing is recorded then."""
    at = uow.effective_now(now)
    uow.projection.catch_up(uow.log)
    survivor = _found(uow, cmd.survivor_key, cmd.scope)
    absorbed = _found(uow, cmd.absorbed_key, cmd.scope)
    check_merge(survivor, absorbed, cmd.reason, cmd.prefer)
    shown = preview(survivor, absorbed, cmd.prefer)
    if cmd.dry_run:
        return Merged("preview", shown, cmd.author, cmd.reason, at)
    found = uow.log.find(merge_id(absorbed.account_id))
    stream: AccountMerge = found if found is not None else AccountMerge(absorbed_id=absorbed.account_id, at=at)
    if stream.merged:  # merged meanwhile, by another caller
        raise MergeRefused("already_absorbed", f"account {absorbed.jointure} was merged meanwhile")
    stream.merge(
        survivor_id=survivor.account_id,
        survivor_jointure=survivor.jointure,
        absorbed_id=absorbed.account_id,
        absorbed_jointure=absorbed.jointure,
        alias=shown.alias,
        decisions=shown.decisions,
        author=cmd.author,
        reason=cmd.reason,
        at=at,
    )
    uow.log.save(stream)
    uow.projection.catch_up(uow.log)
    return Merged("merged", shown, cmd.author, cmd.reason, at)


def unmerge_accounts(cmd: UnmergeAccounts, uow: MergeWork, now: datetime | None = None) -> Unmerged:
    """Record the end of the merge of ``cmd.key`` (absorbed or survivor) at
    ``now``, or only preview it with the actions taken while merged."""
    at = uow.effective_now(now)
    uow.projection.catch_up(uow.log)
    side = _found(uow, cmd.key, cmd.scope)
    absorbed_id = side.account_id if side.absorbed_by else (side.absorbed[0] if side.absorbed else "")
    row = uow.merge_queries.merge_of(absorbed_id) if absorbed_id else None
    check_unmerge(side, row is not None, cmd.reason)
    assert row is not None  # check_unmerge refuses an account that is not merged
    survivor, absorbed = _found(uow, row.survivor_id, None), _found(uow, row.absorbed_id, None)
    if not covered(cmd.scope, survivor, absorbed):  # the other side is outside the caller's UAIs
        raise LookupError(f"no account {cmd.key!r} (give its jointure, a login or its id)")
    actions = taken_while_merged(uow, survivor, row.at)
    if not cmd.dry_run:
        stream: AccountMerge = uow.log.get(merge_id(absorbed.account_id))
        stream.unmerge(cmd.author, cmd.reason, at)
        uow.log.save(stream)
        uow.projection.catch_up(uow.log)
    status = "preview" if cmd.dry_run else "unmerged"
    return Unmerged(status, survivor, absorbed, row, actions, cmd.author, cmd.reason, at)


def taken_while_merged(uow: MergeWork, survivor: MergeAccount, since: datetime) -> tuple[ActionTaken, ...]:
    """The admin facts of the survivor's stream and the groups' facts naming
    the survivor, recorded after ``since`` (the merge), in time order."""
    out = []
    for ev in uow.log.events.get(UUID(survivor.account_id)):
        if getattr(ev, "author", "") and ev.at > since:
            detail = " ".join(str(getattr(ev, k)) for k in ("new_login", "uai", "duplicate_of") if getattr(ev, k, ""))
            out.append(ActionTaken("account", type(ev).__name__, ev.at, ev.author, detail))
    for stream in uow.merge_queries.group_streams():
        uai = ""
        for ev in uow.log.events.get(stream):
            uai = getattr(ev, "uai", uai)
            if survivor.account_id in getattr(ev, "members", ()) and ev.at > since:
                detail = f"{uai} {getattr(ev, 'kind', 'free')} {ev.code}"
                out.append(ActionTaken("groups", f"ManualGroups.{type(ev).__name__}", ev.at, ev.author, detail))
    return tuple(sorted(out, key=lambda a: a.at))
