"""The standing anomalies of merges (issue 14), listed by `entsync anomalies`
and counted by kind in the metrics (``entsync_directory_anomalies``):

- ``merge_side_departed``: the survivor departs, is removed or deactivated
  while an account it absorbed is active. Each side departs on its own (a
  departure never crosses a merge) and the folded view keeps showing the
  survivor's state: an operator decides — unmerge, or let it go.
- ``merged_but_delivered_twice``: a source still delivers both sides as two
  persons (AAF: both records present; SIECLE: both accounts linked to a
  present record). A merge of such accounts is allowed; the source keeps
  its two records until it is corrected, and the row says which source.

Rows name accounts by jointure, never by a name or birth date."""

from __future__ import annotations

from projections.db import Database

GONE = ("departing", "removed", "deactivated")
KINDS = ("merge_side_departed", "merged_but_delivered_twice")

SIDES = (
    "SELECT s.account_id AS survivor_id, s.jointure AS survivor, s.profile, s.state, "
    "a.account_id AS absorbed_id, a.jointure AS absorbed, a.state AS absorbed_state, "
    "s.category AS s_category, a.category AS a_category "
    "FROM account_merges m JOIN accounts s ON s.account_id = m.survivor_id "
    "JOIN accounts a ON a.account_id = m.absorbed_id ORDER BY s.jointure, a.jointure"
)


def _row(kind: str, side: dict, detail: str) -> dict:
    return {
        "anomaly": kind,
        "jointure": side["survivor"],
        "profile": side["profile"],
        "state": side["state"],
        "detail": detail,
    }


def merge_anomalies(db: Database) -> list[dict]:
    """The merges' standing anomalies, survivor by survivor."""
    sides = db.query_dicts(SIDES)
    if not sides:
        return []
    out = []
    for side in sides:
        if side["state"] in GONE and side["absorbed_state"] == "active":
            out.append(
                _row(
                    "merge_side_departed",
                    side,
                    f"survivor {side['state']} while {side['absorbed']} it absorbed is active; "
                    f"shown as the survivor until an unmerge",
                )
            )
    present = {
        j
        for (j,) in db.query(
            "SELECT a.jointure FROM accounts a JOIN records r ON r.key = a.category || ':' || a.jointure "
            "WHERE r.present = 1 AND a.account_id IN (SELECT survivor_id FROM account_merges "
            "UNION SELECT absorbed_id FROM account_merges)"
        )
    }
    siecle: dict[str, set[str]] = {}
    if db.table_exists("siecle_records"):  # a read model rebuilt for --as-of holds the directory only
        for aid, uai in db.query(
            "SELECT l.account_id, l.uai FROM siecle_account_links l JOIN siecle_records r "
            "ON r.uai = l.uai AND r.kind = l.kind AND r.key = l.key "
            "WHERE l.status = 'linked' AND r.present = 1 AND l.account_id IN "
            "(SELECT survivor_id FROM account_merges UNION SELECT absorbed_id FROM account_merges)"
        ):
            siecle.setdefault(aid, set()).add(uai)
    for side in sides:
        pair = f"{side['survivor']} and {side['absorbed']} as two persons"
        if side["survivor"] in present and side["absorbed"] in present:
            out.append(_row("merged_but_delivered_twice", side, f"source aaf delivers {pair}"))
        for uai in sorted(siecle.get(side["survivor_id"], set()) & siecle.get(side["absorbed_id"], set())):
            out.append(_row("merged_but_delivered_twice", side, f"source siecle {uai} delivers {pair}"))
    return out


def same_person(db: Database) -> dict[str, str]:
    """Jointure → the survivor's jointure, for both sides of every merge that holds."""
    out: dict[str, str] = {}
    for survivor, absorbed in db.query(
        "SELECT s.jointure, a.jointure FROM account_merges m JOIN accounts s ON s.account_id = m.survivor_id "
        "JOIN accounts a ON a.account_id = m.absorbed_id"
    ):
        out[survivor] = out[absorbed] = survivor
    return out
