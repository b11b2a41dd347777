"""What an account's history (daemon/history/) asks the read models: which
SIECLE records are linked to it, the files of SIECLE imports, the
establishments it belongs to and their timetable imports. The facts
themselves are read from the log; these only say which streams to read."""

from __future__ import annotations

from dataclasses import dataclass

from projections.clauses import placeholders
from projections.db import Database


@dataclass(frozen=True)
class LinkedRecord:
    """A SIECLE record linked to an account now (siecle_account_links)."""

    stream_id: str
    kind: str  # student | guardian
    uai: str
    key: str  # ELEVE_ID or PERSONNE_ID


@dataclass(frozen=True)
class TimetableImport:
    import_id: str
    uai: str
    source: str  # edt | sts
    file: str


def linked_records(db: Database, account_id: str) -> list[LinkedRecord]:
    if not db.table_exists("siecle_account_links"):
        return []
    return [
        LinkedRecord(*r)
        for r in db.query(
            "SELECT aggregate_id, kind, uai, key FROM siecle_account_links WHERE account_id = ? "
            "AND status = 'linked' ORDER BY kind DESC, uai, key",
            (account_id,),
        )
    ]


def siecle_files(db: Database, import_ids: list[str]) -> dict[str, str]:
    """The file of each SIECLE import (a leaving date recorded alone names no file)."""
    if not import_ids or not db.table_exists("siecle_imports"):
        return {}
    return dict(
        db.query(
            f"SELECT import_id, file FROM siecle_imports WHERE import_id IN ({placeholders(import_ids)})",
            tuple(import_ids),
        )
    )


def account_uais(db: Database, account_id: str) -> list[str]:
    """The UAIs of the structures the account belongs to."""
    return [
        r[0]
        for r in db.query(
            "SELECT DISTINCT t.uai FROM account_structures s JOIN structures t ON t.jointure = s.structure "
            "WHERE s.account_id = ? AND t.uai <> '' ORDER BY t.uai",
            (account_id,),
        )
    ]


def timetable_imports(db: Database, uais: list[str]) -> list[TimetableImport]:
    """The timetable imports of these establishments, oldest first."""
    if not uais or not db.table_exists("imports"):
        return []
    return [
        TimetableImport(*r)
        for r in db.query(
            f"SELECT import_id, uai, source, file FROM imports WHERE uai IN ({placeholders(uais)}) "
            "ORDER BY received_at, import_id",
            tuple(uais),
        )
    ]


def directory_state(db: Database, uai: str | None = None) -> list[dict]:
    """Per establishment (``""``: accounts in none), its accounts: key,
    profile, state, login and classes (``entsync state``)."""
    where, params = ("WHERE t.uai = ?", (uai,)) if uai else ("", ())
    classes: dict[tuple[str, str], list[str]] = {}
    for aid, where_uai, code in db.query(
        "SELECT m.account_id, COALESCE(t.uai, ''), m.code FROM memberships m "
        "LEFT JOIN structures t ON t.jointure = m.structure WHERE m.kind = 'class'"
        + (" AND t.uai = ?" if uai else "")
        + " ORDER BY m.code",
        params,
    ):
        classes.setdefault((aid, where_uai), []).append(code)
    out: dict[str, list[dict]] = {}
    for aid, jointure, profile, state, login, in_uai in db.query(
        "SELECT DISTINCT a.account_id, a.jointure, a.profile, a.state, a.login, COALESCE(t.uai, '') "
        "FROM accounts a LEFT JOIN account_structures s ON s.account_id = a.account_id "
        f"LEFT JOIN structures t ON t.jointure = s.structure {where} ORDER BY 6, a.jointure",
        params,
    ):
        out.setdefault(in_uai, []).append(
            {
                "jointure": jointure,
                "profile": profile,
                "state": state,
                "login": login,
                "classes": classes.get((aid, in_uai), []),
            }
        )
    return [{"uai": k, "accounts": v} for k, v in out.items()]
