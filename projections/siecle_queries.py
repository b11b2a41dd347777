"""The SIECLE use cases' queries on the SIECLE and directory read models
(events/usecases/siecle_*.py declare them; ``SiecleQueries`` answers all)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from adapters.siecle.records import LEVEL_CONTACT
from events.derive import first
from events.siecle_rules import KnownRecord
from events.usecases.siecle_correlation import GuardianAccount, GuardianLink, StudentAccount
from events.usecases.siecle_hold import RecordedImport
from events.usecases.siecle_records import RecordedLink
from events.usecases.siecle_relink import UnresolvedGuardian, UnresolvedStudent
from projections import siecle_listings
from projections.clauses import LIKE_PREFIX, chunks, placeholders, starting_with
from projections.db import Database

IMPORT_COLUMNS = "import_id, sha256, file, status, uai, kind, school_year, exported_on, exported_at, received_at"


def _student(account_id: str, jointure: str, state: str, attrs_json: str) -> StudentAccount:
    attrs = json.loads(attrs_json)
    return StudentAccount(
        account_id,
        jointure,
        state,
        first(attrs, "ENTEleveStructRattachId"),
        first(attrs, "ENTEleveINE"),
        tuple(attrs.get("ENTPersonStructRattach", [])),
    )


def _import(row: tuple[Any, ...]) -> RecordedImport:
    import_id, sha256, file, status, uai, kind, school_year, exported_on, exported_at, received_at = row
    return RecordedImport(
        import_id, sha256, file, status, uai, kind, int(school_year), exported_on, exported_at, received_at
    )


class SiecleQueries:
    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------ correlation

    def structure_uais(self) -> dict[str, str]:
        return dict(self.db.query("SELECT jointure, uai FROM structures"))

    def student_accounts_in(self, structures: Sequence[str]) -> list[StudentAccount]:
        out: dict[str, StudentAccount] = {}
        for chunk in chunks(list(structures)):
            for aid, jointure, state, attrs in self.db.query(
                "SELECT DISTINCT a.account_id, a.jointure, a.state, a.attrs FROM accounts a "
                "JOIN account_structures s ON s.account_id = a.account_id "
                f"WHERE s.structure IN ({placeholders(chunk)}) AND a.category = 'Eleve'",
                chunk,
            ):
                out.setdefault(aid, _student(aid, jointure, state, attrs))
        return list(out.values())

    def student_accounts(self) -> Iterator[StudentAccount]:
        for aid, jointure, state, attrs in self.db.query(
            "SELECT account_id, jointure, state, attrs FROM accounts WHERE category = 'Eleve'"
        ):
            yield _student(aid, jointure, state, attrs)

    def guardian_accounts(self, jointures: Sequence[str]) -> list[GuardianAccount]:
        out = []
        for chunk in chunks(list(jointures)):
            for aid, jointure, state, attrs_json in self.db.query(
                "SELECT account_id, jointure, state, attrs FROM accounts WHERE category = 'PersRelEleve' "
                f"AND jointure IN ({placeholders(chunk)})",
                chunk,
            ):
                attrs = json.loads(attrs_json)
                out.append(GuardianAccount(aid, jointure, state, first(attrs, "sn"), first(attrs, "givenName")))
        return out

    def linked_students(self, uai: str) -> dict[str, str]:
        return dict(
            self.db.query(
                "SELECT key, account_id FROM siecle_account_links WHERE uai = ? AND kind = 'student' "
                "AND status = 'linked'",
                (uai,),
            )
        )

    def guardian_links(self, student_account_ids: Sequence[str]) -> list[GuardianLink]:
        out = []
        for chunk in chunks(list(student_account_ids)):
            out += [
                GuardianLink(sid, guardian)
                for sid, guardian in self.db.query(
                    f"SELECT student_id, guardian_jointure FROM guardian_links WHERE student_id IN ({placeholders(chunk)})",
                    chunk,
                )
            ]
        return out

    def unresolved_students(self) -> list[UnresolvedStudent]:
        return [
            UnresolvedStudent(stream, uai, eleve_id, ine or "")
            for stream, uai, eleve_id, ine in self.db.query(
                "SELECT l.aggregate_id, s.uai, s.eleve_id, s.ine FROM siecle_account_links l "
                "JOIN siecle_students s ON s.student_id = l.aggregate_id "
                "WHERE l.kind = 'student' AND l.status = 'unresolved' ORDER BY s.uai, s.eleve_id"
            )
        ]

    def unresolved_guardians(self) -> list[UnresolvedGuardian]:
        unresolved = (
            "FROM siecle_account_links l JOIN siecle_guardians g ON g.guardian_id = l.aggregate_id "
            "WHERE l.kind = 'guardian' AND l.status = 'unresolved' AND g.present = 1"
        )
        students: dict[tuple[str, str], list[str]] = {}
        for uai, pid, eid in self.db.query(
            "SELECT k.uai, k.personne_id, k.eleve_id FROM siecle_links k "
            f"JOIN (SELECT g.uai, g.personne_id {unresolved}) u ON u.uai = k.uai AND u.personne_id = k.personne_id "
            "WHERE k.level <> ? ORDER BY k.uai, k.personne_id, k.eleve_id",
            (LEVEL_CONTACT,),
        ):
            students.setdefault((uai, pid), []).append(eid)
        return [
            UnresolvedGuardian(stream, uai, pid, json.loads(attrs), tuple(students[uai, pid]))
            for stream, uai, pid, attrs in self.db.query(
                f"SELECT g.guardian_id, g.uai, g.personne_id, g.attrs {unresolved} ORDER BY g.uai, g.personne_id"
            )
            if (uai, pid) in students  # a contact only gets no account (domain-rules §1)
        ]

    # ------------------------------------------------------------ records

    def index(self, uai: str, kind: str) -> dict[str, KnownRecord]:
        return siecle_listings.index(self.db, uai, kind)

    def links(self, uai: str, kind: str) -> dict[str, RecordedLink]:
        return {
            key: RecordedLink(account_id, rule, reason)
            for key, account_id, rule, reason in self.db.query(
                "SELECT key, account_id, rule, reason FROM siecle_account_links WHERE uai = ? AND kind = ?",
                (uai, kind),
            )
        }

    def leaving_dates(self, uai: str) -> dict[str, str]:
        return dict(self.db.query("SELECT eleve_id, COALESCE(left_on, '') FROM siecle_students WHERE uai = ?", (uai,)))

    # ------------------------------------------------------------ imports

    def imports_of_file(self, sha256: str) -> list[RecordedImport]:
        return [
            _import(row)
            for row in self.db.query(
                f"SELECT {IMPORT_COLUMNS} FROM siecle_imports WHERE sha256 = ? ORDER BY receipt", (sha256,)
            )
        ]

    def received_imports(self) -> list[RecordedImport]:
        return [
            _import(row)
            for row in self.db.query(f"SELECT {IMPORT_COLUMNS} FROM siecle_imports WHERE status = 'received'")
        ]

    def applied_imports(self, uai: str, kind: str) -> list[RecordedImport]:
        return [
            _import(row)
            for row in self.db.query(
                f"SELECT {IMPORT_COLUMNS} FROM siecle_imports WHERE uai = ? AND kind = ? AND status = 'applied' "
                "ORDER BY import_id",
                (uai, kind),
            )
        ]

    def import_ids(self, prefix: str) -> list[str]:
        return [
            i
            for (i,) in self.db.query(
                f"SELECT import_id FROM siecle_imports WHERE import_id {LIKE_PREFIX}", (starting_with(prefix),)
            )
        ]

    # ------------------------------------------------------------ for the CLI

    def logins(self, jointures: Sequence[str]) -> dict[str, str]:
        """Jointure → login ("" when none yet) of the accounts the directory knows."""
        out: dict[str, str] = {}
        for chunk in chunks(list(jointures)):
            out.update(
                self.db.query(
                    f"SELECT jointure, COALESCE(login, '') FROM accounts WHERE jointure IN ({placeholders(chunk)})",
                    chunk,
                )
            )
        return out
