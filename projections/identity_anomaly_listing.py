"""The SIECLE and STS-web overwrites and the swapped guardians of SIECLE and the AAF in
`entsync anomalies` (issue 15, domain-rules §5): suspected overwrites of a
student or guardian record and guardians swapped, from ``siecle_anomalies``
(projections/siecle_anomaly_fold.py) and ``guardian_swaps``
(projections/directory_swaps.py), with their
short id and decision, the source, UAI, SIECLE ids, the account linked if
any, file and line — never a name. Kept apart from projections/anomaly_queries.py
so that the catalogue's listing and these rows change independently."""

from __future__ import annotations

from datetime import datetime

from events.anomaly import short
from events.usecases.anomaly_review import Reviewable
from projections.db import Database

# The codes of this module's rows (tests/unit/test_anomaly_kinds.py).
KINDS = ("suspected_overwrite", "guardians_swapped")


def source_anomalies(db: Database, decisions: dict[str, str]) -> list[dict]:
    """One row per SIECLE anomaly, oldest first, then the AAF's swaps; ``decisions``: anomaly id → status."""
    if not db.table_exists("siecle_anomalies"):  # a read model rebuilt for --as-of holds the directory only
        return aaf_swaps(db, decisions) + sts_overwrites(db, decisions)
    accounts = {
        account: (jointure, profile, state)
        for account, jointure, profile, state in db.query("SELECT account_id, jointure, profile, state FROM accounts")
    }
    linked = {
        (uai, kind, key): account
        for uai, kind, key, account in db.query(
            "SELECT uai, kind, key, account_id FROM siecle_account_links WHERE status = 'linked'"
        )
    }
    out = []
    for row in db.query_dicts("SELECT * FROM siecle_anomalies ORDER BY at, uai, key"):
        aid, uai = row["anomaly_id"], row["uai"]
        decision = decisions.get(aid, "open")
        if row["kind"] == "guardians_swapped":
            pids = row["others"].split(",")
            joined = [accounts.get(linked.get((uai, "guardian", p), ""), ("",))[0] for p in pids]
            what = f"student {row['key']}: guardians {' and '.join(pids)} exchanged identities"
            if any(joined):
                what += f" (accounts {', '.join(j or '-' for j in joined)})"
            account = linked.get((uai, "student", row["key"]), "")
        else:
            what = f"{row['record_kind']} {row['key']}"
            account = row["account_id"]
        jointure, profile, state = accounts.get(account, ("", "", ""))
        out.append(
            {
                "anomaly": row["kind"],
                "jointure": jointure,
                "profile": profile,
                "state": state,
                "detail": f"{short(aid)} {decision}: siecle {uai} {what}: {row['file']}:{row['line']} "
                f"(import {row['import_id']})",
                "id": aid,
                "decision": decision,
                "source": "siecle",
                "uai": uai,
                "record_kind": row["record_kind"],
                "key": row["key"],
                "others": [p for p in row["others"].split(",") if p],
                "account_id": account,
                "file": row["file"],
                "line": row["line"],
                "at": row["at"],  # a fact's time: --since keeps it or not, as the other sources' facts
            }
        )
    return out + aaf_swaps(db, decisions) + sts_overwrites(db, decisions)


def sts_overwrites(db: Database, decisions: dict[str, str]) -> list[dict]:
    """An STS-web INDIVIDU/@ID retyped for another person (events/sts_staff.py)."""
    if not db.table_exists("sts_anomalies"):
        return []
    out = []
    for row in db.query_dicts(
        "SELECT a.*, c.profile, c.state FROM sts_anomalies a LEFT JOIN accounts c "
        "ON c.account_id = a.account_id ORDER BY a.at, a.uai, a.sts_id"
    ):
        aid, decision = row["anomaly_id"], decisions.get(row["anomaly_id"], "open")
        holder = f" (account {row['jointure']})" if row["jointure"] else ""
        out.append(
            {
                "anomaly": "suspected_overwrite",
                "jointure": row["jointure"],
                "profile": row["profile"] or "",
                "state": row["state"] or "",
                "detail": f"{short(aid)} {decision}: sts {row['uai']} individual {row['sts_id']}{holder}: "
                f"{row['file']}:{row['line']} (import {row['aggregate_id']})",
                "id": aid,
                "decision": decision,
                "source": "sts",
                "uai": row["uai"],
                "record_kind": "teacher",
                "key": row["sts_id"],
                "account_id": row["account_id"],
                "file": row["file"],
                "line": row["line"],
            }
        )
    return out


def aaf_swaps(db: Database, decisions: dict[str, str]) -> list[dict]:
    out = []
    for row in db.query_dicts("SELECT * FROM guardian_swaps ORDER BY at, child"):
        aid, decision = row["anomaly_id"], decisions.get(row["anomaly_id"], "open")
        jointures = row["jointures"].split(",")
        out.append(
            {
                "anomaly": "guardians_swapped",
                "jointure": row["child"],
                "profile": "",
                "state": "",
                "detail": f"{short(aid)} {decision}: aaf student {row['child']}: guardian accounts "
                f"{' and '.join(jointures)} exchanged identities: {row['file']}:{row['line']} "
                f"(delivery {row['delivery_id']})",
                "id": aid,
                "decision": decision,
                "source": "aaf",
                "key": row["child"],
                "others": jointures,
                "file": row["file"],
                "line": row["line"],
            }
        )
    return out


def siecle_reviewables(db: Database, prefix: str, decided: dict[str, dict]) -> list[Reviewable]:
    """The SIECLE anomalies and the AAF's swaps whose id starts with ``prefix``,
    for a decision (projections/review_queries.py); ``decided``: anomaly id → its review row."""
    rows = db.query_dicts(
        "SELECT anomaly_id, 'guardians_swapped' AS kind, delivery_id AS aggregate_id, version, "
        "delivery_id AS import_id, file, line, at FROM guardian_swaps"
    )
    if db.table_exists("siecle_anomalies"):
        rows += db.query_dicts("SELECT * FROM siecle_anomalies")
    if db.table_exists("sts_anomalies"):
        rows += db.query_dicts(
            "SELECT anomaly_id, 'suspected_overwrite' AS kind, aggregate_id, version, "
            "aggregate_id AS import_id, file, line, at FROM sts_anomalies"
        )
    out = []
    for r in sorted(rows, key=lambda r: r["anomaly_id"]):
        if not r["anomaly_id"].replace("-", "").startswith(prefix):
            continue
        review = decided.get(r["anomaly_id"], {})
        out.append(
            Reviewable(
                anomaly_id=r["anomaly_id"],
                kind=r["kind"],
                subject=(r["aggregate_id"], str(r["version"])),
                status=review.get("status", "open"),
                decided_by=review.get("author", ""),
                delivery_id=r["import_id"],
                file=r["file"],
                line=r["line"],
                at=datetime.fromisoformat(r["at"]),
            )
        )
    return out
