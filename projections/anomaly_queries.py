"""What an operator must look at (`entsync anomalies`, the HTTP API): one
row per account and anomaly, from the directory read model and, when it is
there, the SIECLE one."""

from __future__ import annotations

from datetime import datetime, timedelta

from events.anomaly import anomaly_id, short
from projections.account_queries import ACCOUNT_COLUMNS, anomalies_of
from projections.db import Database
from projections.identity_anomaly_listing import source_anomalies
from projections.mark_listings import marks
from projections.merge_anomalies import merge_anomalies, same_person
from projections.served import structure_anomalies, withheld_jointures
from projections.siecle_listings import set_asides


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
        for kind in anomalies_of(row, now, grace):
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
    decisions = dict(db.query("SELECT anomaly_id, status FROM anomaly_reviews"))
    for row in db.query_dicts(
        "SELECT a.jointure, a.profile, a.state, o.account_id, o.version, o.delivery_id, o.file, o.line "
        "FROM overwrites o JOIN accounts a ON a.account_id = o.account_id ORDER BY a.jointure, o.version"
    ):
        # Its id, for entsync anomalies confirm|dismiss, and the decision taken (events/anomaly.py).
        aid = str(anomaly_id(row["account_id"], row["version"]))
        out.append(
            {
                "anomaly": "suspected_overwrite",
                "jointure": row["jointure"],
                "profile": row["profile"],
                "state": row["state"],
                "detail": f"{short(aid)} {decisions.get(aid, 'open')}: {row['file']}:{row['line']} "
                f"(delivery {row['delivery_id']}); see entsync history {row['jointure'].split('#')[0]}",
                "id": aid,
                "decision": decisions.get(aid, "open"),
            }
        )
    out.extend(source_anomalies(db, decisions))  # SIECLE overwrites, swapped guardians (issue 15)
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
    if db.table_exists("siecle_set_asides"):  # a read model rebuilt for --as-of holds the directory only
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
    person = same_person(db)  # merged accounts are one person (issue 14), no suspected duplicates of each other
    for rows in groups.values():
        for row in rows:
            me = person.get(row["jointure"], row["jointure"])
            others = ",".join(r["jointure"] for r in rows if person.get(r["jointure"], r["jointure"]) != me)
            if not others:
                continue
            out.append(
                {
                    "anomaly": "suspected_duplicate",
                    "jointure": row["jointure"],
                    "profile": row["profile"],
                    "state": row["state"],
                    "detail": f"same identity as {others}",
                }
            )
    for mark in marks(db):
        carried = ", still delivered by " + ",".join(mark["still_delivered_by"]) if mark["still_delivered_by"] else ""
        out.append(
            {
                "anomaly": "marked_duplicate",
                "jointure": mark["jointure"],
                "profile": mark["profile"],
                "state": mark["state"],
                "detail": f"duplicate of {mark['duplicate_of']}, deleted at {mark['deletion_due']}{carried}",
            }
        )
    out.extend(merge_anomalies(db))
    if policy is not None:
        out.extend(structure_anomalies(db, policy))
    return out
