"""The directory read model: accounts, structures, classes and groups,
guardian links, logins and deliveries, built from the event log only.

Events are applied in log order, in batches; each batch and the tracking
position are written in one transaction. A delivery's record events are
applied only once its ``Applied`` event exists (domain-rules §11: atomic
visibility): the projection stops at the ``ApplyStarted`` of a delivery that
is still being written and goes on from there later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from events import derive
from events.account import Account
from events.delivery import Delivery
from events.faults import Faults
from events.login import Login
from events.purge import PurgeHold
from events.structure import GroupSource, SourceRecord
from events.upgrade import RULES  # the rules generation this read model is built by
from projections import facts
from projections.db import Database
from projections.schema import COLUMNS, PRIMARY_KEYS, TABLES, TRACKING, create

NAME = "directory"
RULES_NAME = "directory.rules"
APPLY_STARTED = Delivery.ApplyStarted.TOPIC
ACCOUNT = "entsync:Account."
APPEARED = Account.Appeared.TOPIC
# Record events derived with the fields their account has set aside (domain-rules §12).
RECORD_EVENTS = (Account.Changed.TOPIC, Account.Reappeared.TOPIC)


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(timezone.utc).isoformat()


def _cols(table: str) -> list[str]:
    return COLUMNS[table]


def _pk(table: str) -> list[str]:
    return PRIMARY_KEYS[table]


_dumps = derive.dumps


class _Batch:
    """Rows touched by one batch of events, written at the end with executemany."""

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
        ):
            rows = list(self.rows[table].values())
            if not rows:
                continue
            cols, pk = _cols(table), _pk(table)
            updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in pk)
            sql = (
                f"INSERT INTO {p}{table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                f"ON CONFLICT ({', '.join(pk)}) DO UPDATE SET {updates}"
            )
            db.executemany(sql, [tuple(r[c] for c in cols) for r in rows])
        db.executemany(f"INSERT INTO {p}rejections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.rejections)
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
            db.executemany(f"DELETE FROM {p}guardian_links WHERE student_id = ?", [(s,) for s in students])
            db.executemany(
                f"INSERT INTO {p}guardian_links VALUES (?, ?, ?, ?)",
                [(s, g, resp, lien) for s, links in self.links.items() for g, (resp, lien) in links.items()],
            )
            for links in self.links.values():
                self.guardians.update(links)
        self._guardian_structures()

    def _replace(self, table: str, sets: dict, row: Callable) -> None:
        if not sets:
            return
        self.db.executemany(
            f"DELETE FROM {self.p}{table} WHERE account_id = ?", [(a,) for a in sets if a not in self.fresh]
        )
        cols = len(_cols(table))
        self.db.executemany(
            f"INSERT INTO {self.p}{table} VALUES ({', '.join('?' * cols)})",
            [row(a, item) for a, items in sets.items() for item in items],
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
            links = db.query(
                f"SELECT guardian_jointure, student_id FROM {p}guardian_links WHERE guardian_jointure IN ({marks})",
                chunk,
            )
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
            db.executemany(f"DELETE FROM {p}account_structures WHERE account_id = ?", [(a,) for a in ids.values()])
            db.executemany(
                f"INSERT INTO {p}account_structures (account_id, structure) VALUES (?, ?)",
                sorted({(ids[g], st) for g, sid in links if g in ids for st in of_student.get(sid, ())}),
            )


class DirectoryProjection:
    """Applies events to the read-model tables under ``prefix``."""

    def __init__(self, db: Database, prefix: str = "", *, faults: Faults | None = None):
        self.db = db
        self.prefix = prefix
        self.faults = faults or Faults()  # told after each batch commits ("readmodel.committed")
        create(db, prefix)
        # Keyed by the stored topic: the versioned name of each fact.
        self._handlers: dict[str, Callable[[_Batch, Any], None]] = {
            Account.Appeared.TOPIC: self._account_appeared,
            Account.Changed.TOPIC: self._account_changed,
            Account.Reappeared.TOPIC: self._account_reappeared,
            Account.Departed.TOPIC: self._account_departed,
            Account.Withdrawn.TOPIC: self._account_withdrawn,
            Account.LeftSource.TOPIC: self._account_left_source,
            Account.AccountCreated.TOPIC: self._account_created,
            Account.Declined.TOPIC: self._account_declined,
            Account.Eligible.TOPIC: self._account_eligible,
            Account.Removed.TOPIC: self._account_removed,
            Account.RemovalRescheduled.TOPIC: self._account_rescheduled,
            Account.RemovalDeferred.TOPIC: self._account_deferred,
            Account.Deactivated.TOPIC: self._account_deactivated,
            Account.FieldsSetAside.TOPIC: self._account_fields_set_aside,
            Account.Reclassified.TOPIC: self._account_reclassified,
            SourceRecord.Appeared.TOPIC: self._record_appeared,
            SourceRecord.Changed.TOPIC: self._record_appeared,
            SourceRecord.Closed.TOPIC: self._record_closed,
            Login.Reserved.TOPIC: self._login_reserved,
            Delivery.Received.TOPIC: self._delivery_received,
            Delivery.RecordRejected.TOPIC: self._delivery_record_rejected,
            Delivery.RecordsRejected.TOPIC: self._delivery_records_rejected,
            Delivery.FieldSetAside.TOPIC: self._delivery_field_set_aside,
            Delivery.Held.TOPIC: self._delivery_held,
            Delivery.Released.TOPIC: self._delivery_status("released"),
            Delivery.Waiting.TOPIC: self._delivery_waiting,
            Delivery.Rejected.TOPIC: self._delivery_rejected,
            Delivery.ApplyStarted.TOPIC: self._delivery_status("applying"),
            Delivery.Applied.TOPIC: self._delivery_applied,
            Account.OverwriteSuspected.TOPIC: self._account_overwrite,
            Account.CreationClockAdvanced.TOPIC: self._account_clock_advanced,
            Account.DepartureDeclared.TOPIC: self._account_departure_declared,
            Account.DepartureCancelled.TOPIC: self._account_departure_cancelled,
            GroupSource.FirstChosen.TOPIC: self._group_source,
            GroupSource.Chosen.TOPIC: self._group_source,
            PurgeHold.FirstPlaced.TOPIC: self._purge_hold,
            PurgeHold.Placed.TOPIC: self._purge_hold,
            PurgeHold.Lifted.TOPIC: self._purge_hold,
        }

    # ---- position and catch-up -------------------------------------------------
    def position(self) -> int:
        return int(self.db.scalar(f"SELECT position FROM {self.prefix}{TRACKING} WHERE name = ?", (NAME,)) or 0)

    def rules(self) -> int:
        """The rules generation (RULES) of the code that built this read model
        from an empty one; 1 for a read model built before it was tracked
        (entsync 0.1.0), 0 for an empty one."""
        value = self.db.scalar(f"SELECT position FROM {self.prefix}{TRACKING} WHERE name = ?", (RULES_NAME,))
        if value is not None:
            return int(value)
        return 1 if self.position() else 0

    def reset(self) -> None:
        """Empty the read model (its tables and position), for a rebuild from
        the log by this release (an upgrade, domain-rules §12)."""
        with self.db.transaction():
            for table in TABLES:
                self.db.execute(f"DELETE FROM {self.prefix}{table}")
            self.db.execute(f"DELETE FROM {self.prefix}{TRACKING} WHERE name IN (?, ?)", (NAME, RULES_NAME))

    def catch_up(self, log, until: datetime | None = None, batch: int = 5000) -> int:
        """Apply every visible event after the tracking position; with ``until``,
        only events whose effective time is not after it (``--as-of``).
        Returns how many notifications were applied."""
        total = 0
        if not self.position() and self.rules() == 0:
            self.db.execute(
                f"INSERT INTO {self.prefix}{TRACKING} (name, position) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (RULES_NAME, RULES),
            )
        for chunk in facts.visible_chunks(log, self.position(), batch, APPLY_STARTED, until=until):
            self._apply(chunk)
            total += len(chunk)
        return total

    def _apply(self, chunk: list[tuple[int, Any]]) -> None:
        b = _Batch(self.db, self.prefix)
        with self.db.transaction():
            # A stream that starts here has no row to fetch (most of an initial delivery).
            b.prefetch(
                "accounts",
                {str(ev.originator_id) for _, ev in chunk if ev.topic.startswith(ACCOUNT) and ev.topic != APPEARED},
            )
            b.prefetch_set_aside({str(ev.originator_id) for _, ev in chunk if ev.topic in RECORD_EVENTS})
            for _, ev in chunk:
                handler = self._handlers.get(ev.topic)
                if handler is not None:
                    handler(b, ev)
            last_at = next((ev.at for _, ev in reversed(chunk) if getattr(ev, "at", None)), None)
            if last_at is not None:
                b.put("meta", "last_at", {"key": "last_at", "value": iso(last_at)})
            b.flush()
            self.db.execute(
                f"INSERT INTO {self.prefix}{TRACKING} (name, position) VALUES (?, ?) "
                f"ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (NAME, chunk[-1][0]),
            )
        self.faults.reached("readmodel.committed")

    # ---- accounts ----------------------------------------------------------------
    def _source(self, b: _Batch, row: dict, ev: Any) -> None:
        """Columns and side tables that follow from the record's attributes
        (derived already when the fact was decoded in a worker process),
        without the fields the account has set aside (domain-rules §12)."""
        cat, aid = row["category"], row["account_id"]
        aside = b.set_aside_of(aid)
        if aside:
            self._derive(b, row, derive.account_source(cat, derive.usable(ev.attrs, aside)))
        else:
            self._derive(b, row, ev.__dict__.get("derived") or derive.account_source(cat, ev.attrs))
        row["last_delivery"] = ev.delivery_id
        b.put(
            "records",
            f"{cat}:{row['jointure']}",
            {
                "key": f"{cat}:{row['jointure']}",
                "category": cat,
                "aggregate_id": aid,
                "jointure": row["jointure"],
                "digest": ev.digest,
                "present": 1,
            },
        )

    def _derive(self, b: _Batch, row: dict, d: dict) -> None:
        cat, aid = row["category"], row["account_id"]
        row.update(
            profile=d["profile"],
            function=d["function"],
            couple_flag=d["couple_flag"],
            identity=d["identity"],
            attrs=d["attrs"],
        )
        if cat == "PersRelEleve":
            b.guardians.add(row["jointure"])
        else:
            b.account_structures[aid] = d["structures"]
            b.memberships[aid] = d["memberships"]
        if cat == "Eleve":
            b.links[aid] = d["links"]

    def _account_reclassified(self, b: _Batch, ev: Any) -> None:
        # What the current rules derive from the record already (the upgrade
        # recorded it because an earlier release derived otherwise).
        row = self._row(b, ev)
        if ev.field in ("profile", "function"):
            row[ev.field] = ev.after

    def _account_fields_set_aside(self, b: _Batch, ev: Any) -> None:
        # Before a Changed or Reappeared, which derives again from its own
        # attributes; after Appeared, whose row still holds every value.
        row = self._row(b, ev)
        aid = row["account_id"]
        b.set_aside[aid] = {
            (name, reason, ev.delivery_id, ev.file, ev.line, iso(ev.at)) for name, reason in ev.fields.items()
        }
        self._derive(b, row, derive.account_source(row["category"], derive.usable(json.loads(row["attrs"]), ev.fields)))

    def _account_appeared(self, b: _Batch, ev: Account.Appeared) -> None:
        aid = str(ev.originator_id)
        row = {
            "account_id": aid,
            "jointure": ev.jointure,
            "category": ev.category,
            "state": "pending",
            "login": "",
            "first_seen": iso(ev.at),
            "creation_due": iso(ev.creation_due),
            "created_at": None,
            "departed_at": None,
            "removal_due": None,
            "removal_provisional": 0,
            "removed_at": None,
            "state_reason": "",
        }
        b.fresh.add(aid)
        self._source(b, row, ev)
        b.put("accounts", aid, row)

    def _row(self, b: _Batch, ev: Any) -> dict:
        row = b.load("accounts", str(ev.originator_id))
        if row is None:
            raise LookupError(f"event {ev.topic} for unknown account {ev.originator_id}")
        return row

    def _absent(self, b: _Batch, row: dict) -> None:
        key = f"{row['category']}:{row['jointure']}"
        rec = b.load("records", key)
        if rec is not None:
            rec["present"] = 0

    def _account_changed(self, b: _Batch, ev: Account.Changed) -> None:
        self._source(b, self._row(b, ev), ev)

    def _account_reappeared(self, b: _Batch, ev: Account.Reappeared) -> None:
        row = self._row(b, ev)
        self._source(b, row, ev)
        row.update(
            state=ev.state,
            departed_at=None,
            removal_due=None,
            removal_provisional=0,
            removed_at=None,
            state_reason="reappeared",
        )
        if ev.creation_due is not None:
            row["creation_due"] = iso(ev.creation_due)

    def _account_departed(self, b: _Batch, ev: Account.Departed) -> None:
        row = self._row(b, ev)
        row.update(
            state="departing",
            departed_at=iso(ev.at),
            removal_due=iso(ev.removal_due),
            removal_provisional=int(ev.provisional),
            state_reason=ev.reason,
        )
        self._absent(b, row)

    def _account_overwrite(self, b: _Batch, ev: Any) -> None:
        aid = str(ev.originator_id)
        b.put(
            "overwrites",
            (aid, ev.originator_version),
            {
                "account_id": aid,
                "version": ev.originator_version,
                "delivery_id": ev.delivery_id,
                "file": ev.file,
                "line": ev.line,
                "at": iso(ev.at),
            },
        )

    def _account_deactivated(self, b: _Batch, ev: Account.Deactivated) -> None:
        row = self._row(b, ev)
        row.update(
            state="deactivated",
            departed_at=iso(ev.at),
            removal_due=iso(ev.deletion_due),
            removal_provisional=0,
            state_reason=f"duplicate_of:{ev.duplicate_of}",
        )
        self._absent(b, row)

    def _account_withdrawn(self, b: _Batch, ev: Account.Withdrawn) -> None:
        row = self._row(b, ev)
        row.update(state="withdrawn", departed_at=iso(ev.at), state_reason=ev.reason)
        self._absent(b, row)

    def _account_left_source(self, b: _Batch, ev: Account.LeftSource) -> None:
        self._absent(b, self._row(b, ev))

    def _account_created(self, b: _Batch, ev: Account.AccountCreated) -> None:
        self._row(b, ev).update(state="active", login=ev.login, created_at=iso(ev.at), state_reason="")

    def _account_declined(self, b: _Batch, ev: Account.Declined) -> None:
        self._row(b, ev).update(state="no_account", state_reason=ev.reason)

    def _account_eligible(self, b: _Batch, ev: Account.Eligible) -> None:
        self._row(b, ev).update(state="pending", creation_due=iso(ev.at), state_reason="")

    def _account_removed(self, b: _Batch, ev: Account.Removed) -> None:
        self._row(b, ev).update(state="removed", removed_at=iso(ev.at), state_reason=ev.reason)

    def _account_rescheduled(self, b: _Batch, ev: Account.RemovalRescheduled) -> None:
        self._row(b, ev).update(removal_due=iso(ev.removal_due), removal_provisional=int(ev.provisional))

    def _account_deferred(self, b: _Batch, ev: Account.RemovalDeferred) -> None:
        self._row(b, ev).update(removal_due=iso(ev.removal_due), removal_provisional=0)

    def _account_clock_advanced(self, b: _Batch, ev: Account.CreationClockAdvanced) -> None:
        self._row(b, ev).update(first_seen=iso(ev.seen_at), creation_due=iso(ev.creation_due))

    def _account_departure_declared(self, b: _Batch, ev: Account.DepartureDeclared) -> None:
        # The AAF still lists the person: the source record stays present.
        row = self._row(b, ev)
        row.update(
            state=ev.state,
            departed_at=iso(ev.departed_at),
            removal_due=iso(ev.removal_due),
            removal_provisional=int(ev.provisional),
            state_reason=f"{ev.source}_leaving_date",
        )
        b.put(
            "departure_declarations",
            (row["account_id"], ev.left_on),
            {
                "account_id": row["account_id"],
                "left_on": ev.left_on,
                "source_id": ev.source_id,
                "status": "declared",
                "reason": "",
                "at": iso(ev.at),
            },
        )

    def _account_departure_cancelled(self, b: _Batch, ev: Account.DepartureCancelled) -> None:
        row = self._row(b, ev)
        row.update(state=ev.state, departed_at=None, removal_due=None, removal_provisional=0, state_reason=ev.reason)
        left_on = ev.evidence.get("left_on", "")
        declaration = b.load("departure_declarations", (row["account_id"], left_on))
        if declaration is not None:
            declaration.update(status="cancelled", reason=ev.reason, at=iso(ev.at))

    def _login_reserved(self, b: _Batch, ev: Login.Reserved) -> None:
        b.put("logins", ev.login, {"login": ev.login, "account_id": ev.account_id, "reserved_at": iso(ev.at)})

    # ---- structures and nomenclatures --------------------------------------------
    def _record_of(self, b: _Batch, aggregate_id: str) -> dict:
        """The records row of a structure or nomenclature stream."""
        rec = next((r for r in b.rows["records"].values() if r["aggregate_id"] == aggregate_id), None)
        if rec is None:
            found = self.db.query_dicts(f"SELECT * FROM {self.prefix}records WHERE aggregate_id = ?", (aggregate_id,))
            if not found:
                raise LookupError(f"event for unknown record {aggregate_id}")
            rec = found[0]
            b.put("records", rec["key"], rec)
        return rec

    def _record_appeared(self, b: _Batch, ev: Any) -> None:
        if ev.topic == SourceRecord.Appeared.TOPIC:
            cat, jointure = ev.category, ev.jointure
        else:  # Changed carries no category: the records row has it
            rec = self._record_of(b, str(ev.originator_id))
            cat, jointure = rec["category"], rec["jointure"]
        attrs = ev.attrs
        if cat == "EtabEducNat":
            b.put(
                "structures",
                jointure,
                {
                    "jointure": jointure,
                    "uai": derive.first(attrs, "ENTStructureUAI"),
                    "name": derive.first(attrs, "ENTStructureNomCourant"),
                    "type": derive.first(attrs, "ENTStructureTypeStruct"),
                    "contract": derive.first(attrs, "ENTEtablissementContrat"),
                    "present": 1,
                    "classes": _dumps([v.split("$")[0] for v in attrs.get("ENTStructureClasses", [])]),
                    "groups": _dumps([v.split("$")[0] for v in attrs.get("ENTStructureGroupes", [])]),
                },
            )
        else:
            label = derive.first(attrs, "ENTLibelleMatiere" if cat == "MatiereEducNat" else "ENTLibelleMef")
            b.put(
                "nomenclatures", (cat, jointure), {"category": cat, "jointure": jointure, "label": label, "present": 1}
            )
        b.put(
            "records",
            f"{cat}:{jointure}",
            {
                "key": f"{cat}:{jointure}",
                "category": cat,
                "aggregate_id": str(ev.originator_id),
                "jointure": jointure,
                "digest": ev.digest,
                "present": 1,
            },
        )

    def _record_closed(self, b: _Batch, ev: SourceRecord.Closed) -> None:
        rec = self._record_of(b, str(ev.originator_id))
        rec["present"] = 0
        if rec["category"] == "EtabEducNat":
            row = b.load("structures", rec["jointure"])
            if row is not None:
                row["present"] = 0
        else:
            row = b.load("nomenclatures", (rec["category"], rec["jointure"]))
            if row is not None:
                row["present"] = 0

    def _group_source(self, b: _Batch, ev: Any) -> None:
        sid = str(ev.originator_id)
        row = b.load("group_sources", sid) or {"stream_id": sid, "uai": getattr(ev, "uai", "")}
        row.update(source=ev.source, operator=ev.operator, at=iso(ev.at))
        b.put("group_sources", sid, row)

    # ---- deliveries ----------------------------------------------------------------
    def _delivery_received(self, b: _Batch, ev: Delivery.Received) -> None:
        did = str(ev.originator_id)
        b.put(
            "deliveries",
            did,
            {
                "delivery_id": did,
                "fingerprint": ev.fingerprint,
                "source": ev.source,
                "kind": ev.kind,
                "date": ev.date,
                "prefix": ev.prefix,
                "status": "received",
                "received_at": iso(ev.at),
                "finished_at": None,
                "reason": "",
                "details": "{}",
                "rejected_records": 0,
                "counts": "{}",
            },
        )

    def _delivery(self, b: _Batch, ev: Any) -> dict:
        row = b.load("deliveries", str(ev.originator_id))
        if row is None:
            raise LookupError(f"event for unknown delivery {ev.originator_id}")
        return row

    def _delivery_record_rejected(self, b: _Batch, ev: Delivery.RecordRejected) -> None:
        row = self._delivery(b, ev)
        row["rejected_records"] += 1
        b.rejections.append(
            (
                row["delivery_id"],
                row["rejected_records"],
                ev.reason,
                ev.file,
                ev.line,
                ev.record_id,
                ev.field,
                ev.message,
            )
        )

    def _delivery_records_rejected(self, b: _Batch, ev: Any) -> None:
        row = self._delivery(b, ev)
        for reason, file, line, record_id, field, message in ev.rejections:
            row["rejected_records"] += 1
            b.rejections.append(
                (row["delivery_id"], row["rejected_records"], reason, file, line, record_id, field, message)
            )

    def _delivery_field_set_aside(self, b: _Batch, ev: Any) -> None:
        did = self._delivery(b, ev)["delivery_id"]
        b.put(
            "delivery_set_asides",
            (did, ev.record_id, ev.field),
            {
                "delivery_id": did,
                "record_id": ev.record_id,
                "field": ev.field,
                "reason": ev.reason,
                "file": ev.file,
                "line": ev.line,
                "message": ev.message,
            },
        )

    def _delivery_held(self, b: _Batch, ev: Delivery.Held) -> None:
        self._delivery(b, ev).update(status="held", reason=ev.reason, details=_dumps(ev.details))

    def _delivery_waiting(self, b: _Batch, ev: Delivery.Waiting) -> None:
        self._delivery(b, ev).update(
            status="waiting", reason="behind_held_delivery", details=_dumps({"behind": ev.behind})
        )

    def _delivery_status(self, status: str) -> Callable[[_Batch, Any], None]:
        def handler(b: _Batch, ev: Any) -> None:
            self._delivery(b, ev)["status"] = status

        return handler

    def _delivery_rejected(self, b: _Batch, ev: Delivery.Rejected) -> None:
        self._delivery(b, ev).update(
            status="rejected",
            reason=ev.reason,
            finished_at=iso(ev.at),
            details=_dumps({"message": ev.message, "file": ev.file, "line": ev.line, "operator": ev.operator}),
        )

    def _delivery_applied(self, b: _Batch, ev: Delivery.Applied) -> None:
        self._delivery(b, ev).update(status="applied", finished_at=iso(ev.at), counts=_dumps(ev.counts))

    # ---- purge hold ----------------------------------------------------------------
    def _purge_hold(self, b: _Batch, ev: Any) -> None:
        held = ev.topic != PurgeHold.Lifted.TOPIC
        b.put(
            "meta",
            "purge_hold",
            {
                "key": "purge_hold",
                "value": _dumps(
                    {"held": held, "operator": ev.operator, "reason": getattr(ev, "reason", ""), "at": iso(ev.at)}
                ),
            },
        )
