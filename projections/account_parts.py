"""What one account derives from its own rows, whatever merge holds: its
structures, classes and groups, guardian ⇄ child links, logins, the groups
it was assigned to by hand and its attachments. ``account_detail`` shows
them for an account, and the fold (projections/merge_fold.py) unites the
survivor's and the absorbed accounts' (issue 14)."""

from __future__ import annotations

from projections.attachment_listings import attachments_of
from projections.db import Database


def parts(db: Database, aid: str, jointure: str, state: str) -> dict:
    """The account's own parts; ``assigned`` and ``attachments`` only when it
    has some, so that an account without shows what it always did."""
    out: dict = {
        "structures": [
            dict(zip(("jointure", "uai"), r))
            for r in db.query(
                "SELECT s.structure, COALESCE(t.uai, '') FROM account_structures s LEFT JOIN structures t "
                "ON t.jointure = s.structure WHERE s.account_id = ? ORDER BY s.structure",
                (aid,),
            )
        ],
        "memberships": [
            dict(zip(("structure", "kind", "code"), r))
            for r in db.query(
                "SELECT structure, kind, code FROM memberships WHERE account_id = ? ORDER BY structure, kind, code",
                (aid,),
            )
        ],
        "guardians": [
            dict(zip(("jointure", "resp_legal", "lien", "state", "login"), r))
            for r in db.query(
                "SELECT l.guardian_jointure, l.resp_legal, l.lien, COALESCE(g.state, 'unknown'), "
                "COALESCE(g.login, '') FROM guardian_links l LEFT JOIN accounts g "
                "ON g.jointure = l.guardian_jointure WHERE l.student_id = ? ORDER BY l.guardian_jointure",
                (aid,),
            )
        ],
        "students": [
            dict(zip(("jointure", "resp_legal", "state", "login"), r))
            for r in db.query(
                "SELECT s.jointure, l.resp_legal, s.state, s.login FROM guardian_links l JOIN accounts s "
                "ON s.account_id = l.student_id WHERE l.guardian_jointure = ? ORDER BY s.jointure",
                (jointure,),
            )
        ],
        "logins": [r[0] for r in db.query("SELECT login FROM logins WHERE account_id = ? ORDER BY login", (aid,))],
    }
    assigned = _assigned(db, aid) if state in ("pending", "active") else []
    if assigned:  # only then: an account of no group by hand shows what it always did
        out["assigned"] = assigned
    attachments = attachments_of(db, aid)
    if attachments:  # as the duplicate mark: shown only when there is one
        out["attachments"] = attachments
    return out


def _assigned(db: Database, aid: str) -> list[dict]:
    """The free groups, classes and groups the account was assigned to by hand
    (issue 13); a removed account's end with it, as the group listings show."""
    return [
        dict(zip(("uai", "kind", "code", "name", "author", "at"), r))
        for r in db.query(
            "SELECT mm.uai, mm.kind, mm.code, COALESCE(g.name, ''), mm.author, mm.at FROM manual_memberships mm "
            "LEFT JOIN manual_groups g ON g.uai = mm.uai AND g.code = mm.code AND mm.kind = 'free' "
            "WHERE mm.account_id = ? ORDER BY mm.uai, mm.kind, mm.code",
            (aid,),
        )
    ]
