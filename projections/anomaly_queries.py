"""What an operator must look at (`entsync anomalies`, the HTTP API): one
row per account and anomaly, from the directory read model and, when it is
there, the SIECLE one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime, timedelta

from events.anomaly import anomaly_id, short
from events.anomaly_kinds import KINDS as CATALOGUE
from projections import duplicate_candidates
from projections import merge_anomalies as merges
from projections.account_queries import ACCOUNT_COLUMNS, anomalies_of
from projections.db import Database
from projections.identity_anomaly_listing import source_anomalies
from projections.mark_listings import marks
from projections.merge_anomalies import merge_anomalies
from projections.schema import iso
from projections.served import structure_anomalies, withheld_jointures
from projections.siecle_listings import set_asides
from projections.state_anomalies import state_anomalies

# Literal codes of this module's rows; the others are in served.KINDS,
# merge_anomalies.KINDS, state_anomalies.KINDS and adapters/plausibility.py.
KINDS = (
    "creation_overdue", "provisional_removal_date", "couple_in_one_record", "suspected_overwrite",
    "suspected_duplicate", "marked_duplicate",
)  # fmt: skip


def anomalies(
    db: Database,
    now: datetime,
    grace: timedelta,
    policy=None,
    *,
    uai: str | None = None,
    kinds: Collection[str] | None = None,
    since: datetime | None = None,
    scope: frozenset[str] | None = None,
    naming: frozenset[str] | None = None,
) -> list[dict]:
    """Everything an operator must look at, one row per account and anomaly
    (``at``: the time of its fact when it has one); with the ``policy``, also
    what points nowhere or is withheld (projections/served.py, domain-rules
    §12). ``uai``, ``scope`` (the establishments a caller may see),
    ``kinds`` and ``since`` keep the rows of those establishments and kinds,
    and those whose fact is at or after ``since`` (rows without a time are
    states, kept). ``naming`` (account ids and jointures) only bounds the
    scored duplicates to the pairs with such a side: the caller keeps the
    rows that concern it (projections/explain_queries.py)."""
    rows = _anomalies(db, now, grace, policy, naming)
    if kinds is not None:
        rows = [r for r in rows if r["anomaly"] in kinds]
    if since is not None:
        rows = [r for r in rows if not r.get("at") or r["at"] >= iso(since)]
    if uai is not None or scope is not None:
        wanted = _uais_of(db, rows)
        rows = [r for r in rows if (uai is None or uai in wanted(r)) and (scope is None or bool(wanted(r) & scope))]
    for r in rows:
        r.setdefault("at", None)
    return rows


def _uais_of(db: Database, rows: list[dict]):
    """row → the establishments it concerns: its own ``uai`` (a SIECLE row),
    the structures of its account, or the structure it names."""
    of: dict[str, set[str]] = {}
    for jointure, uai in db.query(
        "SELECT a.jointure, t.uai FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
        "JOIN structures t ON t.jointure = s.structure"
    ):
        of.setdefault(jointure, set()).add(uai)
    for jointure, uai in db.query("SELECT jointure, uai FROM structures"):
        of.setdefault(jointure, set()).add(uai)

    def wanted(row: dict) -> set[str]:
        return {row["uai"]} if row.get("uai") else of.get(row["jointure"], set())

    return wanted


def _anomalies(
    db: Database, now: datetime, grace: timedelta, policy=None, naming: frozenset[str] | None = None
) -> list[dict]:
    out = []
    withheld = withheld_jointures(db, policy) if policy is not None else set()
    for row in db.query_dicts(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE state IN ('pending', 'departing') "
        "OR couple_flag = 1 ORDER BY jointure"
    ):
        for kind in anomalies_of(row, now, grace):
            if kind == "creation_overdue" and row["jointure"] in withheld:
                continue  # withheld on purpose: listed as not_served below
            detail, at = {
                "creation_overdue": (row["creation_due"], row["creation_due"]),
                "provisional_removal_date": (row["removal_due"], row["departed_at"]),
                "couple_in_one_record": (row["login"], None),
            }[kind]
            out.append(
                {
                    "anomaly": kind,
                    "jointure": row["jointure"],
                    "profile": row["profile"],
                    "state": row["state"],
                    "detail": detail,
                    "at": at,
                }
            )
    decisions = dict(db.query("SELECT anomaly_id, status FROM anomaly_reviews"))
    for row in db.query_dicts(
        "SELECT a.jointure, a.profile, a.state, o.account_id, o.version, o.at, o.delivery_id, o.file, o.line "
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
                "at": row["at"],
            }
        )
    out.extend(source_anomalies(db, decisions))  # SIECLE overwrites, swapped guardians (issue 15)
    for row in db.query_dicts(
        "SELECT a.jointure, a.profile, a.state, f.at, f.field, f.reason, f.delivery_id, f.file, f.line "
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
                "at": row["at"],
            }
        )
    if db.table_exists("siecle_set_asides"):  # a read model rebuilt for --as-of holds the directory only
        linked = {
            (uai, kind, key): jointure
            for uai, kind, key, jointure in db.query(
                "SELECT uai, kind, key, jointure FROM siecle_account_links WHERE status = 'linked'"
            )
        }
        received = dict(db.query("SELECT import_id, received_at FROM siecle_imports"))
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
                    "at": received.get(row["import_id"]),
                    "uai": row["uai"],
                }
            )
    out.extend(duplicate_candidates.listed(db, naming=naming))  # scored pairs, best first (issue 15)
    for mark in marks(db):
        carried = ", still delivered by " + ",".join(mark["still_delivered_by"]) if mark["still_delivered_by"] else ""
        out.append(
            {
                "anomaly": "marked_duplicate",
                "jointure": mark["jointure"],
                "profile": mark["profile"],
                "state": mark["state"],
                "detail": f"duplicate of {mark['duplicate_of']}, deleted at {mark['deletion_due']}{carried}",
                "at": mark.get("at"),
            }
        )
    out.extend(merge_anomalies(db))
    out.extend(state_anomalies(db))
    if policy is not None:
        out.extend(structure_anomalies(db, policy))
    return out


def counts(db: Database, rows: list[dict]) -> dict[str, int]:
    """Kind → count of the listing's ``rows``, for the metrics
    (``entsync_directory_anomalies``): every kind of the catalogue, 0
    included — the merges' once the directory holds a merge (a directory
    that never merged exposes no merge gauge)."""
    found = Counter(r["anomaly"] for r in rows)
    merged = bool(db.scalar("SELECT COUNT(*) FROM account_merges"))
    kinds = [k for k in CATALOGUE if merged or k not in merges.KINDS]
    return {k: found.get(k, 0) for k in kinds} | dict(found)


def subjects(db: Database, rows: list[dict]) -> list[tuple[str, list[str]]]:
    """Each listed row's account id (its own, or its jointure's; "" for
    none) and the establishments it concerns, as the listing's scope counts
    them: what the console links to and shows."""
    wanted = _uais_of(db, rows)
    jointures = {r["jointure"] for r in rows if r["jointure"] and not r.get("account_id")}
    ids = {j: a for j, a in db.query("SELECT jointure, account_id FROM accounts") if j in jointures}
    return [(r.get("account_id") or ids.get(r["jointure"], ""), sorted(wanted(r))) for r in rows]
