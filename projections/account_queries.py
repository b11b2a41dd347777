"""The read side of accounts: the listing with its anomalies, one account
with what it derives from its record (structures, memberships, guardians,
students, logins), and the departures with their removal date."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from events.rules import creation_overdue, notice_end
from projections.account_parts import parts
from projections.attachment_listings import attached_ids, attached_to
from projections.clauses import placeholders
from projections.db import Database
from projections.mark_listings import duplicate_mark
from projections.merge_fold import fold_detail, fold_listing, not_absorbed, survivor_id
from projections.served import withheld_jointures

ACCOUNT_COLUMNS = (
    "account_id, jointure, category, profile, function, state, login, first_seen, creation_due, "
    "created_at, departed_at, removal_due, removal_provisional, removed_at, state_reason, couple_flag"
)


def anomalies_of(row: dict, now: datetime | None, grace: timedelta) -> list[str]:
    out = []
    if (
        row["state"] == "pending"
        and now is not None
        and creation_overdue(datetime.fromisoformat(row["creation_due"]), now, grace)
    ):
        out.append("creation_overdue")
    if row["state"] == "departing" and row["removal_provisional"]:
        out.append("provisional_removal_date")
    if row["couple_flag"]:
        out.append("couple_in_one_record")
    return out


def departing_schedule(db: Database, account_ids: list[str] | None = None) -> list[dict]:
    """Departing accounts with their departure, the time it was recorded (a
    SIECLE leaving date is recorded after the day it names) and their
    removal date."""
    rows = db.query_dicts(
        "SELECT a.account_id, a.jointure, a.profile, a.departed_at, a.removal_due, a.removal_provisional, "
        "a.state_reason, d.at AS declared_at FROM accounts a LEFT JOIN departure_declarations d "
        "ON d.account_id = a.account_id AND d.status = 'declared' "
        "WHERE a.state = 'departing' AND a.removal_due IS NOT NULL"
        + (f" AND a.account_id IN ({','.join('?' * len(account_ids))})" if account_ids else "")
        + " ORDER BY a.jointure, d.at",
        account_ids or (),
    )
    latest: dict[str, dict] = {}
    for row in rows:
        declared = row.pop("declared_at")
        siecle = row["state_reason"].endswith("_leaving_date") and declared
        row["recorded_at"] = declared if siecle else row["departed_at"]
        latest[row["account_id"]] = row
    return list(latest.values())


def _notice(rows: list[dict], db: Database, notice_days: int | None, tz: str) -> None:
    """Departing rows get ``notice_until`` (the first day the minimum notice
    allows the removal) and ``removal_basis`` (``toussaint`` or
    ``minimum_notice``, domain-rules §12)."""
    departing = [r for r in rows if r["state"] == "departing" and r.get("removal_due")]
    if notice_days is None or not departing:
        return
    zone = ZoneInfo(tz)
    schedule = {}
    for i in range(0, len(departing), 500):
        schedule.update(
            (s["account_id"], s) for s in departing_schedule(db, [r["account_id"] for r in departing[i : i + 500]])
        )
    for row in departing:
        s = schedule.get(row["account_id"])
        if s is None:
            continue
        until = notice_end(
            datetime.fromisoformat(s["departed_at"]).astimezone(zone).date(),
            datetime.fromisoformat(s["recorded_at"]).astimezone(zone).date(),
            notice_days,
        )
        due = datetime.fromisoformat(row["removal_due"]).astimezone(zone).date()
        row["notice_until"] = until.isoformat()
        row["removal_basis"] = "minimum_notice" if due <= until else "toussaint"


def accounts(
    db: Database,
    *,
    uai: str | None = None,
    state: str | None = None,
    profile: str | None = None,
    now: datetime | None = None,
    grace: timedelta = timedelta(hours=1),
    limit: int | None = None,
    notice_days: int | None = None,
    tz: str = "Europe/Paris",
    policy=None,
    scope: frozenset[str] | None = None,
) -> list[dict]:
    """With the ``policy``, a teacher withheld because no structure of theirs
    is served says ``not_served``, not ``creation_overdue`` (domain-rules §12).
    With a ``scope`` (the UAIs an API caller covers, events/access.py), only
    the accounts attached to one of them. An absorbed account (issue 14) is
    not listed: its survivor is, with ``merged_from`` and both accounts'
    establishments and attachments (projections/merge_fold.py)."""
    where: list[str] = [not_absorbed("accounts")]
    params: list = []
    for uais in ([uai] if uai else None, None if scope is None else sorted(scope) or [""]):
        if uais is None:
            continue
        clause, values = within_clause(db, uais)
        where.append(clause)
        params.extend(values)
    if state:
        where.append("state = ?")
        params.append(state)
    if profile:
        where.append("profile = ?")
        params.append(profile)
    sql = f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY jointure"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = db.query_dicts(sql, params)
    aside: dict[str, list[str]] = {}
    for aid, reason in db.query("SELECT account_id, reason FROM set_aside_fields ORDER BY account_id, field"):
        aside.setdefault(aid, []).append(reason)
    withheld = withheld_jointures(db, policy) if policy is not None else set()
    attached = attached_to(db, None)
    for row in rows:
        row["anomalies"] = _served(anomalies_of(row, now, grace), row, withheld) + aside.get(row["account_id"], [])
        if row["account_id"] in attached:  # only then: an account never attached shows what it always did
            row["attachments"] = attached[row["account_id"]]
    fold_listing(db, rows, attached)
    _notice(rows, db, notice_days, tz)
    return rows


def within_clause(db: Database, uais: list[str]) -> tuple[str, list]:
    """The SQL condition on ``accounts.account_id`` of the accounts of the
    establishments ``uais``, or attached to one by an admin (issue 13); an
    absorbed account's structures and attachments count for its survivor."""
    lent = sorted({survivor_id(db, a) or a for a in attached_ids(db, uais)})
    return (
        "(account_id IN (SELECT COALESCE(m.survivor_id, s.account_id) FROM account_structures s JOIN structures t "
        "ON t.jointure = s.structure LEFT JOIN account_merges m ON m.absorbed_id = s.account_id "
        f"WHERE t.uai IN ({placeholders(uais)}))" + (f" OR account_id IN ({placeholders(lent)}))" if lent else ")"),
        [*uais, *lent],
    )


def _served(kinds: list[str], row: dict, withheld: set[str]) -> list[str]:
    if row["jointure"] not in withheld:
        return kinds
    return ["not_served" if k == "creation_overdue" else k for k in kinds] + (
        [] if "creation_overdue" in kinds else ["not_served"]
    )


def set_aside_fields(db: Database, account_id: str) -> list[dict]:
    """The fields of an account's current record set aside (domain-rules
    §12): field, reason and where, never the value."""
    return db.query_dicts(
        "SELECT field, reason, delivery_id, file, line, at FROM set_aside_fields WHERE account_id = ? ORDER BY field",
        (account_id,),
    )


def find_account(db: Database, key: str) -> dict | None:
    """By jointure, login (current or ever reserved) or account id; a key of
    an absorbed account (issue 14) finds its survivor, so that what is read
    or done with it goes to the survivor while the merge holds."""
    row = own_account(db, key)
    survivor = survivor_id(db, row["account_id"]) if row else None
    if survivor is None:
        return row
    rows = db.query_dicts(f"SELECT {ACCOUNT_COLUMNS}, attrs FROM accounts WHERE account_id = ?", (survivor,))
    return rows[0] if rows else row


def own_account(db: Database, key: str) -> dict | None:
    """The account a key names, merged or not (``find_account`` folds)."""
    rows = db.query_dicts(
        f"SELECT {ACCOUNT_COLUMNS}, attrs FROM accounts WHERE jointure = ? OR login = ? OR account_id = ?",
        (key, key, key),
    )
    if not rows:
        rows = db.query_dicts(
            f"SELECT {ACCOUNT_COLUMNS}, attrs FROM accounts WHERE account_id = "
            f"(SELECT account_id FROM logins WHERE login = ?)",
            (key,),
        )
    return rows[0] if rows else None


def account_detail(
    db: Database,
    key: str,
    now: datetime | None = None,
    grace: timedelta = timedelta(hours=1),
    notice_days: int | None = None,
    tz: str = "Europe/Paris",
    policy=None,
) -> dict | None:
    row = find_account(db, key)
    if row is None:
        return None
    _notice([row], db, notice_days, tz)
    aid = row["account_id"]
    row["attributes"] = json.loads(row.pop("attrs"))  # without the fields set aside
    row["set_aside"] = set_aside_fields(db, aid)
    withheld = withheld_jointures(db, policy) if policy is not None else set()
    row["anomalies"] = _served(anomalies_of(row, now, grace), row, withheld) + [f["reason"] for f in row["set_aside"]]
    row.update(parts(db, aid, row["jointure"], row["state"]))
    mark = duplicate_mark(db, aid)
    if mark is not None:  # only then: an account never marked shows what it always did
        row["duplicate_mark"] = mark
    fold_detail(db, row, ACCOUNT_COLUMNS)
    return row


def within(detail: dict, scope: frozenset[str] | None) -> bool:
    """Whether an account (as ``account_detail`` gives it) belongs to one of
    the UAIs of a ``scope``, or is attached to one by an admin; every account
    is within no scope (None). A survivor's detail holds the structures and
    attachments of the accounts it absorbed (issue 14): either side's UAI
    covers it."""
    if scope is None:
        return True
    return any(s["uai"] in scope for s in detail["structures"] + detail.get("attachments", []))
