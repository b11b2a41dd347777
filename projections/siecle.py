"""The SIECLE read model: imports, students, guardians, student↔guardian
links, correlations to accounts and the per-record digests that let the next
export record only changes — built from the event log only.

Like the directory read model (projections/directory.py), events are applied
in log order in batches, each batch and the tracking row ``siecle`` written
in one transaction, and an import's facts are applied only once its
``Applied`` event exists (domain-rules §11: atomic visibility).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from events.faults import Faults
from events.siecle import Guardian, SiecleImport, Student
from projections import facts
from projections.db import Database
from projections.schema import TRACKING, create_tables

NAME = "siecle"
APPLY_STARTED = SiecleImport.ApplyStarted.TOPIC

# name → (columns, primary key); every column NOT NULL except those marked NULL.
SCHEMA: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    "siecle_imports": (
        [
            ("import_id", "TEXT"),
            ("sha256", "TEXT"),
            ("receipt", "INTEGER"),
            ("source", "TEXT"),
            ("file", "TEXT"),
            ("size", "BIGINT"),
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("school_year", "INTEGER"),
            ("exported_on", "TEXT"),
            ("exported_at", "TEXT"),
            ("received_at", "TEXT"),
            ("status", "TEXT"),
            ("reason", "TEXT"),
            ("message", "TEXT"),
            ("line", "INTEGER"),
            ("duplicate_of", "TEXT"),
            ("finished_at", "TEXT NULL"),
            ("rejected_records", "INTEGER"),
            ("counts", "TEXT"),
        ],
        ["import_id"],
    ),
    "siecle_rejections": (
        [
            ("import_id", "TEXT"),
            ("seq", "INTEGER"),
            ("reason", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("record_id", "TEXT"),
            ("field", "TEXT"),
            ("message", "TEXT"),
        ],
        ["import_id", "seq"],
    ),
    # Fields of kept records set aside for an implausible value (domain-rules §12), per import.
    "siecle_set_asides": (
        [
            ("import_id", "TEXT"),
            ("record_id", "TEXT"),
            ("field", "TEXT"),
            ("reason", "TEXT"),
            ("file", "TEXT"),
            ("line", "INTEGER"),
            ("message", "TEXT"),
        ],
        ["import_id", "record_id", "field"],
    ),
    # Change detection: kind student | guardian | links (a student's link set).
    "siecle_records": (
        [
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("key", "TEXT"),
            ("aggregate_id", "TEXT"),
            ("digest", "TEXT"),
            ("present", "INTEGER"),
        ],
        ["uai", "kind", "key"],
    ),
    "siecle_students": (
        [
            ("student_id", "TEXT"),
            ("uai", "TEXT"),
            ("eleve_id", "TEXT"),
            ("ine", "TEXT"),
            ("family_name", "TEXT"),
            ("given_name", "TEXT"),
            ("birth_date", "TEXT"),
            ("division", "TEXT"),
            ("groups", "TEXT"),
            ("mef", "TEXT"),
            ("entered_on", "TEXT"),
            ("left_on", "TEXT"),
            ("leaving_status", "TEXT"),
            ("enrolled", "INTEGER"),
            ("first_seen", "TEXT"),
            ("last_import", "TEXT"),
            ("attrs", "TEXT"),
        ],
        ["student_id"],
    ),
    "siecle_guardians": (
        [
            ("guardian_id", "TEXT"),
            ("uai", "TEXT"),
            ("personne_id", "TEXT"),
            ("family_name", "TEXT"),
            ("given_name", "TEXT"),
            ("present", "INTEGER"),
            ("first_seen", "TEXT"),
            ("last_import", "TEXT"),
            ("attrs", "TEXT"),
        ],
        ["guardian_id"],
    ),
    "siecle_links": (
        [
            ("uai", "TEXT"),
            ("eleve_id", "TEXT"),
            ("personne_id", "TEXT"),
            ("level", "INTEGER"),
            ("kinship", "TEXT"),
            ("pays_fees", "INTEGER"),
            ("priority_contact", "INTEGER"),
        ],
        ["uai", "eleve_id", "personne_id"],
    ),
    # kind student | guardian; status linked | unresolved.
    "siecle_account_links": (
        [
            ("aggregate_id", "TEXT"),
            ("uai", "TEXT"),
            ("kind", "TEXT"),
            ("key", "TEXT"),
            ("status", "TEXT"),
            ("account_id", "TEXT"),
            ("jointure", "TEXT"),
            ("rule", "TEXT"),
            ("reason", "TEXT"),
            ("at", "TEXT"),
        ],
        ["aggregate_id"],
    ),
}
TABLES = list(SCHEMA)
COLUMNS = {name: [c for c, _ in cols] for name, (cols, _) in SCHEMA.items()}
PRIMARY_KEYS = {name: pk for name, (_, pk) in SCHEMA.items()}
INDEXES = {
    "siecle_imports": ["sha256", "uai"],
    "siecle_students": ["uai"],
    "siecle_guardians": ["uai"],
    "siecle_account_links": ["uai", "account_id"],
}


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(timezone.utc).isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def create(db: Database, prefix: str = "") -> None:
    create_tables(db, SCHEMA, INDEXES, prefix)


def drop(db: Database, prefix: str) -> None:
    """Drop the SIECLE tables under ``prefix`` and its tracking row (never the
    shared tracking table: other read models keep their position there)."""
    with db.transaction():
        for name in TABLES:
            db.execute(f"DROP TABLE IF EXISTS {prefix}{name}")
        if db.table_exists(f"{prefix}{TRACKING}"):
            db.execute(f"DELETE FROM {prefix}{TRACKING} WHERE name = ?", (NAME,))


class _Rows:
    """Rows touched by one batch, loaded once, written at its end. A row set to
    None is deleted."""

    def __init__(self, db: Database, prefix: str):
        self.db, self.p = db, prefix
        self.rows: dict[str, dict[tuple, dict | None]] = {t: {} for t in TABLES}
        self.rejections: list[tuple] = []

    def get(self, table: str, key: tuple) -> dict | None:
        cache = self.rows[table]
        if key not in cache:
            where = " AND ".join(f"{c} = ?" for c in PRIMARY_KEYS[table])
            found = self.db.query_dicts(f"SELECT * FROM {self.p}{table} WHERE {where}", key)
            cache[key] = found[0] if found else None
        return cache[key]

    def need(self, table: str, key: tuple) -> dict:
        row = self.get(table, key)
        if row is None:
            raise LookupError(f"SIECLE read model: no {table} row {key}")
        return row

    def put(self, table: str, row: dict) -> None:
        self.rows[table][tuple(row[c] for c in PRIMARY_KEYS[table])] = row

    def delete(self, table: str, key: tuple) -> None:
        self.rows[table][key] = None

    def flush(self) -> None:
        for table, rows in self.rows.items():
            cols, pk = COLUMNS[table], PRIMARY_KEYS[table]
            gone = [k for k, r in rows.items() if r is None]
            kept = [r for r in rows.values() if r is not None]
            if gone:
                where = " AND ".join(f"{c} = ?" for c in pk)
                self.db.executemany(f"DELETE FROM {self.p}{table} WHERE {where}", gone)
            if kept:
                updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in pk)
                self.db.executemany(
                    f"INSERT INTO {self.p}{table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                    f"ON CONFLICT ({', '.join(pk)}) DO UPDATE SET {updates}",
                    [tuple(r[c] for c in cols) for r in kept],
                )
        self.db.executemany(f"INSERT INTO {self.p}siecle_rejections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.rejections)


def _student_columns(row: dict, attrs: dict) -> None:
    row.update(
        ine=attrs.get("ine", ""),
        family_name=attrs.get("family_name", ""),
        given_name=attrs.get("given_name", ""),
        birth_date=attrs.get("birth_date", ""),
        division=attrs.get("division", ""),
        groups=_dumps(attrs.get("groups", [])),
        mef=attrs.get("mef", ""),
        entered_on=attrs.get("entered_on", ""),
        left_on=attrs.get("left_on", ""),
        attrs=_dumps(attrs),
    )


class SiecleProjection:
    """Applies SIECLE events to the tables under ``prefix``."""

    def __init__(self, db: Database, prefix: str = "", *, faults: Faults | None = None):
        self.db = db
        self.prefix = prefix
        self.faults = faults or Faults()  # told after each batch commits ("readmodel.committed")
        create(db, prefix)
        self._handlers: dict[str, Callable[[_Rows, Any], None]] = {
            SiecleImport.Received.TOPIC: self._import_received,
            SiecleImport.RecordRejected.TOPIC: self._import_record_rejected,
            SiecleImport.FieldSetAside.TOPIC: self._import_field_set_aside,
            SiecleImport.Rejected.TOPIC: self._import_rejected,
            SiecleImport.Held.TOPIC: self._import_held,
            SiecleImport.Released.TOPIC: self._import_released,
            SiecleImport.ApplyStarted.TOPIC: self._import_applying,
            SiecleImport.Applied.TOPIC: self._import_applied,
            Student.Enrolled.TOPIC: self._student_enrolled,
            Student.Changed.TOPIC: self._student_changed,
            Student.Reenrolled.TOPIC: self._student_reenrolled,
            Student.Unenrolled.TOPIC: self._student_unenrolled,
            Student.LeavingDateSet.TOPIC: self._leaving_set,
            Student.LeavingDateCleared.TOPIC: self._leaving_cleared,
            Student.GuardianLinked.TOPIC: self._linked,
            Student.GuardianLinkChanged.TOPIC: self._link_changed,
            Student.GuardianUnlinked.TOPIC: self._unlinked,
            Student.AccountLinked.TOPIC: self._account_link("student"),
            Student.LinkUnresolved.TOPIC: self._account_link("student"),
            Guardian.Appeared.TOPIC: self._guardian_appeared,
            Guardian.Changed.TOPIC: self._guardian_changed,
            Guardian.Reappeared.TOPIC: self._guardian_reappeared,
            Guardian.Withdrawn.TOPIC: self._guardian_withdrawn,
            Guardian.AccountLinked.TOPIC: self._account_link("guardian"),
            Guardian.LinkUnresolved.TOPIC: self._account_link("guardian"),
        }
        self._topics = sorted(self._handlers)

    # ---- position and catch-up -------------------------------------------------
    def position(self) -> int:
        return int(self.db.scalar(f"SELECT position FROM {self.prefix}{TRACKING} WHERE name = ?", (NAME,)) or 0)

    def catch_up(self, log, batch: int = 5000) -> int:
        """Apply every visible event after the tracking position; stops at the
        ApplyStarted of an import not yet Applied. Returns how many
        notifications were consumed."""
        total = 0
        # Only SIECLE facts: the AAF's hundreds of thousands of events are not decoded here.
        for chunk in facts.visible_chunks(log, self.position(), batch, APPLY_STARTED, topics=self._topics):
            self._apply(chunk)
            total += len(chunk)
        return total

    def _apply(self, chunk: list[tuple[int, Any]]) -> None:
        rows = _Rows(self.db, self.prefix)
        with self.db.transaction():
            for _, ev in chunk:
                handler = self._handlers.get(ev.topic)
                if handler is not None:
                    handler(rows, ev)
            rows.flush()
            self.db.execute(
                f"INSERT INTO {self.prefix}{TRACKING} (name, position) VALUES (?, ?) "
                f"ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (NAME, chunk[-1][0]),
            )
        self.faults.reached("readmodel.committed")

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every SIECLE table, sorted: what a rebuild must reproduce."""
        out = {}
        for name in TABLES:
            rows = self.db.query(f"SELECT * FROM {self.prefix}{name}")
            out[name] = sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
        return out

    # ---- imports ---------------------------------------------------------------
    def _import_received(self, r: _Rows, ev: Any) -> None:
        r.put(
            "siecle_imports",
            {
                "import_id": str(ev.originator_id),
                "sha256": ev.sha256,
                "receipt": ev.receipt,
                "source": ev.source,
                "file": ev.file,
                "size": ev.size,
                "uai": ev.uai,
                "kind": ev.kind,
                "school_year": ev.school_year,
                "exported_on": ev.exported_on,
                "exported_at": ev.exported_at,
                "received_at": iso(ev.at),
                "status": "received",
                "reason": "",
                "message": "",
                "line": 0,
                "duplicate_of": "",
                "finished_at": None,
                "rejected_records": 0,
                "counts": "{}",
            },
        )

    def _import(self, r: _Rows, ev: Any) -> dict:
        return r.need("siecle_imports", (str(ev.originator_id),))

    def _import_record_rejected(self, r: _Rows, ev: Any) -> None:
        row = self._import(r, ev)
        row["rejected_records"] += 1
        r.rejections.append(
            (row["import_id"], row["rejected_records"], ev.reason, ev.file, ev.line, ev.record_id, ev.field, ev.message)
        )

    def _import_field_set_aside(self, r: _Rows, ev: Any) -> None:
        r.put(
            "siecle_set_asides",
            {
                "import_id": self._import(r, ev)["import_id"],
                "record_id": ev.record_id,
                "field": ev.field,
                "reason": ev.reason,
                "file": ev.file,
                "line": ev.line,
                "message": ev.message,
            },
        )

    def _import_rejected(self, r: _Rows, ev: Any) -> None:
        self._import(r, ev).update(
            status="rejected",
            reason=ev.reason,
            message=ev.message,
            line=ev.line,
            duplicate_of=ev.duplicate_of,
            finished_at=iso(ev.at),
        )

    def _import_held(self, r: _Rows, ev: Any) -> None:
        self._import(r, ev).update(status="held", reason=ev.reason, message=ev.message)

    def _import_released(self, r: _Rows, ev: Any) -> None:
        self._import(r, ev).update(status="received", reason="", message="")

    def _import_applying(self, r: _Rows, ev: Any) -> None:
        self._import(r, ev)["status"] = "applying"

    def _import_applied(self, r: _Rows, ev: Any) -> None:
        self._import(r, ev).update(status="applied", finished_at=iso(ev.at), counts=_dumps(ev.counts))

    # ---- students --------------------------------------------------------------
    def _record(self, r: _Rows, uai: str, kind: str, key: str, aggregate_id: str, digest: str, present: bool) -> None:
        r.put(
            "siecle_records",
            {
                "uai": uai,
                "kind": kind,
                "key": key,
                "aggregate_id": aggregate_id,
                "digest": digest,
                "present": int(present),
            },
        )

    def _student(self, r: _Rows, ev: Any) -> dict:
        return r.need("siecle_students", (str(ev.originator_id),))

    def _student_enrolled(self, r: _Rows, ev: Any) -> None:
        sid = str(ev.originator_id)
        row = {
            "student_id": sid,
            "uai": ev.uai,
            "eleve_id": ev.eleve_id,
            "leaving_status": "",
            "enrolled": 1,
            "first_seen": iso(ev.at),
            "last_import": ev.import_id,
        }
        _student_columns(row, ev.attrs)
        r.put("siecle_students", row)
        self._record(r, ev.uai, "student", ev.eleve_id, sid, ev.digest, True)

    def _student_update(self, r: _Rows, ev: Any, attrs: dict, enrolled: bool) -> dict:
        row = self._student(r, ev)
        _student_columns(row, attrs)
        row.update(enrolled=int(enrolled), last_import=ev.import_id)
        digest = getattr(ev, "digest", None)
        if digest is None:  # Unenrolled: the digest stays, presence goes
            digest = r.need("siecle_records", (row["uai"], "student", row["eleve_id"]))["digest"]
        self._record(r, row["uai"], "student", row["eleve_id"], row["student_id"], digest, enrolled)
        return row

    def _student_changed(self, r: _Rows, ev: Any) -> None:
        attrs = json.loads(self._student(r, ev)["attrs"])
        attrs.update({name: change["after"] for name, change in ev.changes.items()})
        self._student_update(r, ev, attrs, True)

    def _student_reenrolled(self, r: _Rows, ev: Any) -> None:
        old = json.loads(self._student(r, ev)["attrs"])
        attrs = {**ev.attrs, "left_on": old.get("left_on", ""), "leaving_reason": old.get("leaving_reason", "")}
        self._student_update(r, ev, attrs, True)

    def _student_unenrolled(self, r: _Rows, ev: Any) -> None:
        self._student_update(r, ev, json.loads(self._student(r, ev)["attrs"]), False)

    def _leaving_set(self, r: _Rows, ev: Any) -> None:
        row = self._student(r, ev)
        attrs = {**json.loads(row["attrs"]), "left_on": ev.left_on, "leaving_reason": ev.reason}
        self._student_update(r, ev, attrs, bool(row["enrolled"]))["leaving_status"] = ev.status

    def _leaving_cleared(self, r: _Rows, ev: Any) -> None:
        row = self._student(r, ev)
        attrs = {**json.loads(row["attrs"]), "left_on": "", "leaving_reason": ""}
        self._student_update(r, ev, attrs, bool(row["enrolled"]))["leaving_status"] = ""

    # ---- links -------------------------------------------------------------------
    def _links_digest(self, r: _Rows, row: dict, ev: Any) -> None:
        self._record(r, row["uai"], "links", row["eleve_id"], row["student_id"], ev.links_digest, bool(ev.links_digest))

    def _linked(self, r: _Rows, ev: Any) -> None:
        row = self._student(r, ev)
        r.put(
            "siecle_links",
            {
                "uai": row["uai"],
                "eleve_id": row["eleve_id"],
                "personne_id": ev.personne_id,
                "level": ev.level,
                "kinship": ev.kinship,
                "pays_fees": int(ev.pays_fees),
                "priority_contact": int(ev.priority_contact),
            },
        )
        self._links_digest(r, row, ev)

    def _link_changed(self, r: _Rows, ev: Any) -> None:
        row = self._student(r, ev)
        link = r.need("siecle_links", (row["uai"], row["eleve_id"], ev.personne_id))
        for name, change in ev.changes.items():
            link[name] = int(change["after"]) if name in ("pays_fees", "priority_contact") else change["after"]
        self._links_digest(r, row, ev)

    def _unlinked(self, r: _Rows, ev: Any) -> None:
        row = self._student(r, ev)
        r.delete("siecle_links", (row["uai"], row["eleve_id"], ev.personne_id))
        self._links_digest(r, row, ev)

    # ---- guardians -----------------------------------------------------------------
    def _guardian_row(self, r: _Rows, ev: Any, attrs: dict, present: bool) -> dict:
        gid = str(ev.originator_id)
        row = r.get("siecle_guardians", (gid,)) or {
            "guardian_id": gid,
            "uai": ev.uai,
            "personne_id": ev.personne_id,
            "first_seen": iso(ev.at),
        }
        row.update(
            family_name=attrs.get("family_name", ""),
            given_name=attrs.get("given_name", ""),
            present=int(present),
            last_import=ev.import_id,
            attrs=_dumps(attrs),
        )
        r.put("siecle_guardians", row)
        digest = getattr(ev, "digest", None)
        if digest is None:
            digest = r.need("siecle_records", (row["uai"], "guardian", row["personne_id"]))["digest"]
        self._record(r, row["uai"], "guardian", row["personne_id"], gid, digest, present)
        return row

    def _guardian_appeared(self, r: _Rows, ev: Any) -> None:
        self._guardian_row(r, ev, ev.attrs, True)

    def _guardian_changed(self, r: _Rows, ev: Any) -> None:
        attrs = json.loads(r.need("siecle_guardians", (str(ev.originator_id),))["attrs"])
        attrs.update({name: change["after"] for name, change in ev.changes.items()})
        self._guardian_row(r, ev, attrs, True)

    def _guardian_reappeared(self, r: _Rows, ev: Any) -> None:
        self._guardian_row(r, ev, ev.attrs, True)

    def _guardian_withdrawn(self, r: _Rows, ev: Any) -> None:
        self._guardian_row(r, ev, json.loads(r.need("siecle_guardians", (str(ev.originator_id),))["attrs"]), False)

    # ---- correlation ---------------------------------------------------------------
    def _account_link(self, kind: str) -> Callable[[_Rows, Any], None]:
        table, key = ("siecle_students", "eleve_id") if kind == "student" else ("siecle_guardians", "personne_id")

        def handler(r: _Rows, ev: Any) -> None:
            aid = str(ev.originator_id)
            row = r.need(table, (aid,))
            linked = bool(getattr(ev, "account_id", ""))
            r.put(
                "siecle_account_links",
                {
                    "aggregate_id": aid,
                    "uai": row["uai"],
                    "kind": kind,
                    "key": row[key],
                    "status": "linked" if linked else "unresolved",
                    "account_id": getattr(ev, "account_id", ""),
                    "jointure": getattr(ev, "jointure", ""),
                    "rule": ev.rule,
                    "reason": getattr(ev, "reason", ""),
                    "at": iso(ev.at),
                },
            )

        return handler


# ---- queries (read side) -----------------------------------------------------------


def imports(db: Database, uai: str | None = None, prefix: str = "") -> list[dict]:
    """The history of SIECLE imports, latest first."""
    where, params = ("WHERE uai = ?", (uai,)) if uai else ("", ())
    rows = db.query_dicts(
        f"SELECT import_id, received_at, status, reason, uai, kind, file, exported_on, "
        f"rejected_records, counts, duplicate_of, message FROM {prefix}siecle_imports {where} "
        f"ORDER BY received_at DESC, import_id",
        params,
    )
    for row in rows:
        row["counts"] = json.loads(row["counts"])
    return rows


def set_asides(db: Database, uai: str | None = None, prefix: str = "") -> list[dict]:
    """The fields set aside (domain-rules §12) by the latest applied export
    of each establishment and kind: an export is a snapshot, so these are
    the current ones. SIECLE keys and fields, never values."""
    where, params = ("AND i.uai = ?", (uai,)) if uai else ("", ())
    rows = db.query_dicts(
        f"SELECT i.uai, i.kind, i.import_id, i.received_at, s.record_id, s.field, s.reason, s.file, s.line "
        f"FROM {prefix}siecle_set_asides s JOIN {prefix}siecle_imports i ON i.import_id = s.import_id "
        f"WHERE i.status = 'applied' {where} ORDER BY i.uai, i.kind, s.line, s.record_id, s.field",
        params,
    )
    latest: dict[tuple[str, str], str] = {}
    for uai_, kind, import_id, _received_at in db.query(
        f"SELECT uai, kind, import_id, received_at FROM {prefix}siecle_imports WHERE status = 'applied' "
        f"ORDER BY received_at, import_id"
    ):
        latest[(uai_, kind)] = import_id
    out = [r for r in rows if latest.get((r["uai"], r["kind"])) == r["import_id"]]
    for r in out:
        del r["received_at"]
    return out


def unresolved(db: Database, uai: str | None = None, prefix: str = "") -> list[dict]:
    """SIECLE records not linked to an account (domain-rules §11: listed, never
    guessed): only students enrolled and persons present. No names: the SIECLE
    key tells the operator which record."""
    where, params = ("AND l.uai = ?", (uai,)) if uai else ("", ())
    students = db.query_dicts(
        f"SELECT l.uai, l.kind, l.key, l.reason, l.rule, l.at FROM {prefix}siecle_account_links l "
        f"JOIN {prefix}siecle_students s ON s.student_id = l.aggregate_id "
        f"WHERE l.status = 'unresolved' AND s.enrolled = 1 {where}",
        params,
    )
    guardians = db.query_dicts(
        f"SELECT l.uai, l.kind, l.key, l.reason, l.rule, l.at FROM {prefix}siecle_account_links l "
        f"JOIN {prefix}siecle_guardians g ON g.guardian_id = l.aggregate_id "
        f"WHERE l.status = 'unresolved' AND g.present = 1 {where}",
        params,
    )
    return sorted(students + guardians, key=lambda r: (r["uai"], r["kind"], r["key"]))


def index(db: Database, uai: str, kind: str, prefix: str = "") -> dict[str, tuple[str, bool]]:
    """key → (digest, present) of one establishment's records of ``kind``."""
    return {
        key: (digest, bool(present))
        for key, digest, present in db.query(
            f"SELECT key, digest, present FROM {prefix}siecle_records WHERE uai = ? AND kind = ?", (uai, kind)
        )
    }
