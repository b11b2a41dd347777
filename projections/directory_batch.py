"""The rows one batch of the directory projection touches (projections/
directory.py), loaded once and written at its end in the batch's
transaction (projections/bulk.py: COPY on PostgreSQL); and the tables derived from them when they
are written: the structures of a guardian are those of their students."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projections.bulk import delete_many, insert_rows, upsert_rows
from projections.db import Database
from projections.schema import COLUMNS, PRIMARY_KEYS


def _cols(table: str) -> list[str]:
    return COLUMNS[table]


def _pk(table: str) -> list[str]:
    return PRIMARY_KEYS[table]


class Batch:
    """Rows touched by one batch of events, written at the end."""

    def __init__(self, db: Database, prefix: str):
        self.db, self.p = db, prefix
        self.rows: dict[str, dict[Any, dict]] = {
            t: {}
            for t in (
                "accounts",
                "records",
                "structures",
                "nomenclatures",
                "deliveries",
                "logins",
                "meta",
                "overwrites",
                "departure_declarations",
                "group_sources",
                "delivery_set_asides",
                "duplicate_keys",
                "erasures",
                "details_erasures",
            )
        }
        self.rejections: list[tuple] = []
        self.account_structures: dict[str, set[str]] = {}
        self.memberships: dict[str, set[tuple[str, str, str]]] = {}
        self.links: dict[str, dict[str, tuple[str, str]]] = {}
        self.guardians: set[str] = set()
        # Accounts whose stream starts in this batch: no rows of theirs to replace.
        self.fresh: set[str] = set()
        # account → {(field, reason, delivery, file, line, at)} recorded in this batch; the
        # fields set aside of the other accounts the batch derives, as stored.
        self.set_aside: dict[str, set[tuple]] = {}
        self.stored_set_aside: dict[str, dict[str, str]] = {}
        # The live model's staging area (projections/staging.Staging), which an erasure
        # purges too; None in a rebuild (``verify``), which must not touch it.
        self.staging: Any = None

    def set_aside_of(self, aid: str) -> dict[str, str]:
        """field → reason of the account's current record (domain-rules §12)."""
        if aid in self.set_aside:
            return {t[0]: t[1] for t in self.set_aside[aid]}
        return self.stored_set_aside.get(aid, {})

    def prefetch_set_aside(self, ids: set[str]) -> None:
        ids = sorted(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for aid, field, reason in self.db.query(
                f"SELECT account_id, field, reason FROM {self.p}set_aside_fields "
                f"WHERE account_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                self.stored_set_aside.setdefault(aid, {})[field] = reason

    def load(self, table: str, key: Any) -> dict | None:
        cache = self.rows[table]
        if key in cache:
            return cache[key]
        pk = _pk(table)
        keys = key if isinstance(key, tuple) else (key,)
        where = " AND ".join(f"{c} = ?" for c in pk)
        found = self.db.query_dicts(f"SELECT * FROM {self.p}{table} WHERE {where}", keys)
        if found:
            cache[key] = found[0]
            return found[0]
        return None

    def prefetch(self, table: str, keys: set) -> None:
        missing = [k for k in keys if k not in self.rows[table]]
        col = _pk(table)[0]
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query_dicts(f"SELECT * FROM {self.p}{table} WHERE {col} IN ({marks})", chunk):
                self.rows[table][row[col]] = row

    def put(self, table: str, key: Any, row: dict) -> None:
        self.rows[table][key] = row

    def flush(self) -> None:
        db, p = self.db, self.p
        for table in (
            "deliveries",
            "structures",
            "nomenclatures",
            "accounts",
            "records",
            "logins",
            "meta",
            "overwrites",
            "departure_declarations",
            "group_sources",
            "delivery_set_asides",
            "duplicate_keys",
            "erasures",
            "details_erasures",
        ):
            rows = list(self.rows[table].values())
            if not rows:
                continue
            cols = _cols(table)
            upsert_rows(db, f"{p}{table}", cols, _pk(table), [tuple(r[c] for c in cols) for r in rows])
        insert_rows(db, f"{p}rejections", _cols("rejections"), self.rejections)
        self._replace("account_structures", self.account_structures, lambda aid, s: (aid, s))
        self._replace("memberships", self.memberships, lambda aid, m: (aid, *m))
        self._replace("set_aside_fields", self.set_aside, lambda aid, f: (aid, *f))
        if self.links:
            students = [s for s in self.links if s not in self.fresh]
            for i in range(0, len(students), 500):
                chunk = students[i : i + 500]
                marks = ",".join("?" * len(chunk))
                self.guardians.update(
                    r[0]
                    for r in db.query(
                        f"SELECT guardian_jointure FROM {p}guardian_links WHERE student_id IN ({marks})", chunk
                    )
                )
            delete_many(db, f"{p}guardian_links", "student_id", students)
            insert_rows(
                db,
                f"{p}guardian_links",
                _cols("guardian_links"),
                [(s, g, resp, lien) for s, links in self.links.items() for g, (resp, lien) in links.items()],
            )
            for links in self.links.values():
                self.guardians.update(links)
        self._guardian_structures()

    def _replace(self, table: str, sets: dict, row: Callable) -> None:
        if not sets:
            return
        delete_many(self.db, f"{self.p}{table}", "account_id", [a for a in sets if a not in self.fresh])
        insert_rows(
            self.db, f"{self.p}{table}", _cols(table), [row(a, item) for a, items in sets.items() for item in items]
        )

    def _guardian_structures(self) -> None:
        """A guardian belongs to the structures of the students that reference
        them. Plain indexed lookups: a three-way join planned on tables that
        were just filled can be very slow on PostgreSQL."""
        db, p = self.db, self.p
        guardians = sorted(self.guardians)
        for i in range(0, len(guardians), 500):
            chunk = guardians[i : i + 500]
            marks = ",".join("?" * len(chunk))
            ids = dict(db.query(f"SELECT jointure, account_id FROM {p}accounts WHERE jointure IN ({marks})", chunk))
            if not ids:
                continue
            # An ended generation (JOINTURE#n, projections/directory_reviews.py) keeps its jointure's children.
            base = {g: g.split("#")[0] for g in chunk}
            bases = sorted(set(base.values()))
            found = db.query(
                f"SELECT guardian_jointure, student_id FROM {p}guardian_links "
                f"WHERE guardian_jointure IN ({','.join('?' * len(bases))})",
                bases,
            )
            children: dict[str, list[str]] = {}
            for gj, sid in found:
                children.setdefault(gj, []).append(sid)
            links = [(g, sid) for g in chunk for sid in children.get(base[g], ())]
            students = sorted({s for _, s in links})
            of_student: dict[str, set[str]] = {}
            for j in range(0, len(students), 500):
                part = students[j : j + 500]
                for sid, structure in db.query(
                    f"SELECT account_id, structure FROM {p}account_structures "
                    f"WHERE account_id IN ({','.join('?' * len(part))})",
                    part,
                ):
                    of_student.setdefault(sid, set()).add(structure)
            delete_many(db, f"{p}account_structures", "account_id", list(ids.values()))
            insert_rows(
                db,
                f"{p}account_structures",
                ("account_id", "structure"),
                sorted({(ids[g], st) for g, sid in links if g in ids for st in of_student.get(sid, ())}),
            )
