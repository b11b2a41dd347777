"""Matching by hand (domain-rules §7, §12): an operator matches one item of
an import awaiting validation — a teacher or student to an account, a class
or group to an existing one. The import is resolved again, and the match is
remembered for the later imports of the year once the import is applied."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.imports import TimetableImport
from events.timetable.matching import STAFF, STUDENTS, Match, rematch
from events.usecases.result import Result
from events.usecases.timetable_apply import resolve_again
from events.usecases.timetable_work import TimetableWork, load, save


def match(
    key: str,
    ident: str,
    target: str,
    operator: str,
    uow: TimetableWork,
    now: datetime | None = None,
    kind: str | None = None,
) -> Result:
    """Match the item ``ident`` (of ``kind`` when two items share it) of the
    import ``key`` to ``target``: a jointure for a teacher or student, a code
    for a class or group."""
    imp = load(uow, key)
    at = uow.effective_now(now)
    found = [m for m in imp.matches if m["ident"] == ident and (kind is None or m["kind"] == kind)]
    if not found:
        raise LookupError(
            f"import {imp.id} has no {kind or 'item'} with ident {ident!r} (entsync imports show lists them)"
        )
    if len(found) > 1:
        raise ValueError(f"ident {ident!r} names a {' and a '.join(m['kind'] for m in found)}: say which with --kind")
    item = found[0]
    uow.projection.catch_up(uow.log)
    _check_target(uow, imp, item, target)
    taken = next(
        (
            m["ident"]
            for m in imp.matches
            if m["kind"] == item["kind"]
            and m["key"] == target
            and m["ident"] != ident
            and item["kind"] in ("teacher", "student")
        ),
        None,
    )
    if taken is not None:
        raise ValueError(f"{target} is already matched to {item['kind']} {taken} of this import")
    imp.match_by_hand(item["kind"], ident, item.get("name", ""), target, operator, at)
    matches = rematch(tuple(Match.from_dict(m) for m in imp.matches), item["kind"], ident, target)
    resolve_again(uow, imp, matches, at)
    return save(
        uow,
        [imp],
        f"{item['kind']} {ident} matched to {target} by {operator}; validate with entsync "
        f"imports validate {str(imp.id)[:8]}",
        {},
    )


def _check_target(uow: TimetableWork, imp: TimetableImport, item: dict[str, Any], target: str) -> None:
    """The account or code a match by hand names exists where it must."""
    q = uow.timetable_queries
    if item["kind"] in ("teacher", "student"):
        profiles = STAFF if item["kind"] == "teacher" else STUDENTS
        account = q.account(target)
        if account is None:
            raise LookupError(f"no account {target!r} in the directory")
        if account.profile not in profiles or account.state in ("removed", "withdrawn"):
            raise ValueError(
                f"account {target} is a {account.profile} account in state {account.state}: it cannot be "
                f"matched to {item['kind']} {item['ident']}"
            )
        return
    view = q.directory_view(imp.uai, set())
    known = view.classes if item["kind"] == "class" else view.groups
    if target not in known:
        raise LookupError(
            f"establishment {imp.uai} has no {item['kind']} {target!r} in the directory "
            f"(known: {', '.join(sorted(known)) or 'none'})"
        )
