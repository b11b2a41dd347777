"""The read side: what operators and support staff list and look up."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from events.rules import creation_overdue, notice_end
from projections.db import Database
from projections.names import structure_display_name
from projections.schema import iso
from projections.served import structure_anomalies, withheld_jointures

ACCOUNT_COLUMNS = (
    "account_id, jointure, category, profile, function, state, login, first_seen, creation_due, "
    "created_at, departed_at, removal_due, removal_provisional, removed_at, state_reason, couple_flag"
)


def _anomalies(row: dict, now: datetime | None, grace: timedelta) -> list[str]:
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
) -> list[dict]:
    """With the ``policy``, a teacher withheld because no structure of theirs
    is served says ``not_served``, not ``creation_overdue`` (domain-rules §12)."""
    where, params = [], []
    if uai:
        where.append(
            "account_id IN (SELECT s.account_id FROM account_structures s JOIN structures t "
            "ON t.jointure = s.structure WHERE t.uai = ?)"
        )
        params.append(uai)
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
    for row in rows:
        row["anomalies"] = _served(_anomalies(row, now, grace), row, withheld) + aside.get(row["account_id"], [])
    _notice(rows, db, notice_days, tz)
    return rows


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
    """By jointure, login (current or ever reserved) or account id."""
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
    row["anomalies"] = _served(_anomalies(row, now, grace), row, withheld) + [f["reason"] for f in row["set_aside"]]
    row["structures"] = [
        dict(zip(("jointure", "uai"), r))
        for r in db.query(
            "SELECT s.structure, COALESCE(t.uai, '') FROM account_structures s LEFT JOIN structures t "
            "ON t.jointure = s.structure WHERE s.account_id = ? ORDER BY s.structure",
            (aid,),
        )
    ]
    row["memberships"] = [
        dict(zip(("structure", "kind", "code"), r))
        for r in db.query(
            "SELECT structure, kind, code FROM memberships WHERE account_id = ? ORDER BY structure, kind, code", (aid,)
        )
    ]
    row["guardians"] = [
        dict(zip(("jointure", "resp_legal", "lien", "state", "login"), r))
        for r in db.query(
            "SELECT l.guardian_jointure, l.resp_legal, l.lien, COALESCE(g.state, 'unknown'), COALESCE(g.login, '') "
            "FROM guardian_links l LEFT JOIN accounts g ON g.jointure = l.guardian_jointure "
            "WHERE l.student_id = ? ORDER BY l.guardian_jointure",
            (aid,),
        )
    ]
    row["students"] = [
        dict(zip(("jointure", "resp_legal", "state", "login"), r))
        for r in db.query(
            "SELECT s.jointure, l.resp_legal, s.state, s.login FROM guardian_links l JOIN accounts s "
            "ON s.account_id = l.student_id WHERE l.guardian_jointure = ? ORDER BY s.jointure",
            (row["jointure"],),
        )
    ]
    row["logins"] = [r[0] for r in db.query("SELECT login FROM logins WHERE account_id = ? ORDER BY login", (aid,))]
    return row


def anomalies(db: Database, now: datetime, grace: timedelta, policy=None) -> list[dict]:
    """Everything an operator must look at, one row per account and anomaly;
    with the ``policy``, also what points nowhere or is withheld
    (projections/served.py, domain-rules §12)."""
    out = []
    withheld = withheld_jointures(db, policy) if policy is not None else set()
    for row in db.query_dicts(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE state IN ('pending', 'departing') "
        "OR couple_flag = 1 ORDER BY jointure"
    ):
        for kind in _anomalies(row, now, grace):
            if kind == "creation_overdue" and row["jointure"] in withheld:
                continue  # withheld on purpose: listed as not_served below
            detail = {
                "creation_overdue": row["creation_due"],
                "provisional_removal_date": row["removal_due"],
                "couple_in_one_record": row["login"],
            }[kind]
            out.append(
                {
                    "anomaly": kind,
                    "jointure": row["jointure"],
                    "profile": row["profile"],
                    "state": row["state"],
                    "detail": detail,
                }
            )
    for row in db.query_dicts(
        "SELECT a.jointure, a.profile, a.state, o.delivery_id, o.file, o.line FROM overwrites o "
        "JOIN accounts a ON a.account_id = o.account_id ORDER BY a.jointure, o.version"
    ):
        out.append(
            {
                "anomaly": "suspected_overwrite",
                "jointure": row["jointure"],
                "profile": row["profile"],
                "state": row["state"],
                "detail": f"{row['file']}:{row['line']} (delivery {row['delivery_id']}); "
                f"see entsync history {row['jointure']}",
            }
        )
    for row in db.query_dicts(
        "SELECT a.jointure, a.profile, a.state, f.field, f.reason, f.delivery_id, f.file, f.line "
        "FROM set_aside_fields f JOIN accounts a ON a.account_id = f.account_id "
        "WHERE a.state <> 'removed' ORDER BY a.jointure, f.field"
    ):
        # domain-rules §12: the field and where it came from, never its value
        out.append(
            {
                "anomaly": row["reason"],
                "jointure": row["jointure"],
                "profile": row["profile"],
                "state": row["state"],
                "detail": f"field {row['field']} set aside: {row['file']}:{row['line']} "
                f"(delivery {row['delivery_id']})",
            }
        )
    if _has_table(db, "siecle_set_asides"):  # a read model rebuilt for --as-of holds the directory only
        from projections.siecle import set_asides

        linked = {
            (uai, kind, key): jointure
            for uai, kind, key, jointure in db.query(
                "SELECT uai, kind, key, jointure FROM siecle_account_links WHERE status = 'linked'"
            )
        }
        for row in set_asides(db):
            kind = "student" if row["kind"] == "eleves" else "guardian"
            out.append(
                {
                    "anomaly": row["reason"],
                    "jointure": linked.get((row["uai"], kind, row["record_id"]), ""),
                    "profile": "",
                    "state": "",
                    "detail": f"SIECLE {row['uai']} {kind} {row['record_id']}: field {row['field']} set aside: "
                    f"{row['file']}:{row['line']} (import {row['import_id']})",
                }
            )
    groups: dict[str, list[dict]] = {}
    for row in db.query_dicts(
        "SELECT jointure, profile, state, identity FROM accounts WHERE identity IN "
        "(SELECT identity FROM accounts WHERE identity <> '' AND state IN ('pending', 'active') "
        "GROUP BY identity HAVING COUNT(*) > 1) AND state IN ('pending', 'active') ORDER BY jointure"
    ):
        groups.setdefault(row["identity"], []).append(row)
    for rows in groups.values():
        for row in rows:
            others = ",".join(r["jointure"] for r in rows if r is not row)
            out.append(
                {
                    "anomaly": "suspected_duplicate",
                    "jointure": row["jointure"],
                    "profile": row["profile"],
                    "state": row["state"],
                    "detail": f"same identity as {others}",
                }
            )
    if policy is not None:
        out.extend(structure_anomalies(db, policy))
    return out


def structures(db: Database) -> list[dict]:
    rows = db.query_dicts(
        "SELECT jointure, uai, name, type, contract, present, classes, groups FROM structures ORDER BY uai"
    )
    counts = dict(
        db.query(
            "SELECT structure, COUNT(*) FROM account_structures s JOIN accounts a "
            "ON a.account_id = s.account_id WHERE a.state IN ('pending', 'active') GROUP BY structure"
        )
    )
    sources = dict(db.query("SELECT uai, source FROM group_sources"))
    for r in rows:
        r["name"] = structure_display_name(r["name"])  # stored as delivered (projections/names.py)
        r["classes"] = json.loads(r["classes"])
        r["groups"] = json.loads(r["groups"])
        r["accounts"] = counts.get(r["jointure"], 0)
        r["group_source"] = sources.get(r["uai"], "siecle")
    return rows


def group_source(db: Database, uai: str) -> str:
    """siecle | timetable | manual: where the establishment's groups get their members."""
    return db.scalar("SELECT source FROM group_sources WHERE uai = ?", (uai,)) or "siecle"


def _has_table(db: Database, name: str) -> bool:
    if db.dialect == "sqlite":
        return bool(db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))
    return bool(db.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?", (name,)))


def classes(db: Database, uai: str, members: bool = False) -> list[dict]:
    """Divisions and groups of one establishment with students and teachers
    (and, with ``members``, who they are: jointure, profile, login, state).
    Group members come from the establishment's group source (domain-rules
    §2): SIECLE through the AAF, the applied timetable, or none (manual)."""
    structure = db.query("SELECT jointure, classes, groups FROM structures WHERE uai = ?", (uai,))
    if not structure:
        return []
    sj, declared_classes, declared_groups = structure[0]
    source = group_source(db, uai)
    groups: dict[tuple[str, str], dict] = {}
    for kind, code in [("class", c) for c in json.loads(declared_classes)] + [
        ("group", g) for g in json.loads(declared_groups)
    ]:
        groups[(kind, code)] = _entry(kind, code, True, source)
    kinds = ("class", "group") if source == "siecle" else ("class",)
    marks = ",".join("?" * len(kinds))
    for kind, code, profile, n in db.query(
        "SELECT m.kind, m.code, a.profile, COUNT(*) FROM memberships m JOIN accounts a ON a.account_id = m.account_id "
        f"WHERE m.structure = ? AND m.kind IN ({marks}) AND a.state IN ('pending', 'active') "
        "GROUP BY m.kind, m.code, a.profile",
        (sj, *kinds),
    ):
        entry = groups.setdefault((kind, code), _entry(kind, code, False, source))
        entry["students" if profile == "ELEVE" else "teachers"] += n
    listed: dict[tuple[str, str], list[dict]] = {}
    if members:
        for kind, code, jointure, profile, login, state in db.query(
            "SELECT m.kind, m.code, a.jointure, a.profile, a.login, a.state FROM memberships m "
            f"JOIN accounts a ON a.account_id = m.account_id WHERE m.structure = ? AND m.kind IN ({marks}) "
            "AND a.state IN ('pending', 'active') ORDER BY m.kind, m.code, a.profile, a.jointure",
            (sj, *kinds),
        ):
            listed.setdefault((kind, code), []).append(
                {"jointure": jointure, "profile": profile, "login": login, "state": state}
            )
    if source == "timetable":
        _timetable_groups(db, uai, groups, listed if members else None)
    if members:
        for key, entry in groups.items():
            entry["members"] = listed.get(key, [])
    return [groups[k] for k in sorted(groups)]


def _entry(kind: str, code: str, declared: bool, source: str) -> dict:
    return {
        "kind": kind,
        "code": code,
        "declared": declared,
        "students": 0,
        "teachers": 0,
        "population": "siecle" if kind == "class" else source,
    }


def _timetable_groups(db: Database, uai: str, groups: dict, listed: dict | None) -> None:
    """Option 2: the groups of the applied timetable, members matched to accounts
    (unmatched keys are counted apart, never guessed)."""
    if not _has_table(db, "timetable_groups"):  # a read model rebuilt for --as-of holds the directory only
        return
    from projections.import_queries import timetable_groups

    for group in timetable_groups(db, uai):
        entry = groups.setdefault(("group", group["code"]), _entry("group", group["code"], False, "timetable"))
        people = [("ELEVE", k) for k in group["students"]] + [("ENSEIGNANT", k) for k in group["teachers"]]
        found = {}
        keys = [k for _, k in people]
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            for jointure, profile, login, state in db.query(
                f"SELECT jointure, profile, login, state FROM accounts WHERE jointure IN ({','.join('?' * len(chunk))}) "
                "AND state IN ('pending', 'active')",
                chunk,
            ):
                found[jointure] = {"jointure": jointure, "profile": profile, "login": login, "state": state}
        entry["unmatched"] = sum(1 for k in keys if k not in found)
        for _, key in people:
            if key in found:
                entry["students" if found[key]["profile"] == "ELEVE" else "teachers"] += 1
        if listed is not None:
            listed[("group", group["code"])] = sorted(
                (found[k] for k in dict.fromkeys(keys) if k in found), key=lambda m: (m["profile"], m["jointure"])
            )


def deliveries(db: Database) -> list[dict]:
    rows = db.query_dicts(
        "SELECT delivery_id, kind, date, prefix, status, received_at, finished_at, reason, "
        "rejected_records, counts, source FROM deliveries ORDER BY received_at, delivery_id"
    )
    for r in rows:
        r["counts"] = json.loads(r["counts"])
    return rows


def delivery(db: Database, delivery_id: str) -> dict | None:
    rows = db.query_dicts(
        "SELECT * FROM deliveries WHERE delivery_id = ? OR fingerprint = ?", (delivery_id, delivery_id)
    )
    if not rows:
        rows = db.query_dicts("SELECT * FROM deliveries WHERE delivery_id LIKE ?", (delivery_id + "%",))
        if len(rows) != 1:
            return None
    row = rows[0]
    row["counts"] = json.loads(row["counts"])
    row["details"] = json.loads(row["details"])
    row["rejections"] = db.query_dicts(
        "SELECT reason, file, line, record_id, field, message FROM rejections WHERE delivery_id = ? ORDER BY seq",
        (row["delivery_id"],),
    )
    row["set_aside"] = db.query_dicts(
        "SELECT reason, file, line, record_id, field, message FROM delivery_set_asides WHERE delivery_id = ? "
        "ORDER BY file, line, record_id, field",
        (row["delivery_id"],),
    )
    _brake_listing(db, row)
    return row


def _brake_listing(db: Database, row: dict) -> None:
    """A delivery held by a brake (domain-rules §12): the counts per structure
    and population (``brake``) and who would depart and why (``departures``,
    with their login), as recorded when it was held; and the deltas that
    wait behind it (``waiting``)."""
    details = row["details"]
    departures = details.pop("departures", None) if isinstance(details, dict) else None
    if departures is not None:
        logins: dict[str, str] = {}
        names = [d["jointure"] for d in departures]
        for i in range(0, len(names), 500):
            chunk = names[i : i + 500]
            logins.update(
                db.query(
                    f"SELECT jointure, login FROM accounts WHERE jointure IN ({','.join('?' * len(chunk))})", chunk
                )
            )
        row["brake"] = details.pop("counts", [])
        row["departures"] = [
            {**d, "login": logins.get(d["jointure"], ""), "counted": not d["expected"]} for d in departures
        ]
    row["waiting"] = [
        r["delivery_id"]
        for r in db.query_dicts(
            "SELECT delivery_id, details FROM deliveries WHERE status = 'waiting' ORDER BY received_at, delivery_id"
        )
        if json.loads(r["details"]).get("behind") == row["delivery_id"]
    ]


__all__ = [
    "accounts",
    "account_detail",
    "set_aside_fields",
    "find_account",
    "structures",
    "classes",
    "deliveries",
    "delivery",
    "iso",
]
