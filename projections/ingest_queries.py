"""The AAF ingest's queries on the directory read model
(events/usecases/aaf_ports.py declares them)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from adapters.aaf.records import PERSONS
from adapters.aaf.summary import Known
from events.usecases.aaf_ports import BlockingDelivery, Identity, KnownStructure, MergedPair, RecordIndex
from projections.clauses import chunks
from projections.db import Database


class IngestQueries:
    def __init__(self, db: Database):
        self.db = db

    def record_index(self, categories: Collection[str]) -> RecordIndex:
        wanted = set(categories)
        known: dict[str, Known] = {}
        person_category: dict[str, str] = {}
        for cat, jointure, digest, present in self.db.query("SELECT category, jointure, digest, present FROM records"):
            if cat in wanted:
                known[f"{cat}:{jointure}"] = Known(digest, bool(present))
            if cat in PERSONS:
                person_category[jointure] = cat
        return RecordIndex(known, person_category)

    def blocking(self, except_id: str) -> list[BlockingDelivery]:
        return [
            BlockingDelivery(did, prefix, status, json.loads(details).get("behind") if status == "waiting" else None)
            for did, prefix, status, details in self.db.query(
                "SELECT delivery_id, prefix, status, details FROM deliveries WHERE status IN ('held', 'waiting') "
                "AND delivery_id <> ? ORDER BY received_at, delivery_id",
                (except_id,),
            )
        ]

    def waiting(self) -> list[str]:
        return [
            did
            for (did,) in self.db.query(
                "SELECT delivery_id FROM deliveries WHERE status = 'waiting' ORDER BY received_at, delivery_id"
            )
        ]

    def structures(self) -> list[KnownStructure]:
        return [
            KnownStructure(j, uai, bool(present))
            for j, uai, present in self.db.query("SELECT jointure, uai, present FROM structures")
        ]

    def present(self, category: str) -> list[str]:
        return [
            j
            for (j,) in self.db.query(
                "SELECT jointure FROM records WHERE category = ? AND present = 1 ORDER BY jointure", (category,)
            )
        ]

    def structures_of(self, jointures: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for chunk in chunks(list(jointures)):
            for jointure, structure in self.db.query(
                "SELECT a.jointure, s.structure FROM account_structures s JOIN accounts a "
                f"ON a.account_id = s.account_id WHERE a.jointure IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out.setdefault(jointure, set()).add(structure)
        return out

    def identities(self) -> list[Identity]:
        uais: dict[str, set[str]] = {}
        rows: dict[str, str] = {}
        # One pass (no query per account): the establishments of every account with an identity.
        for j, identity, uai in self.db.query(
            "SELECT a.jointure, a.identity, t.uai FROM accounts a "
            "LEFT JOIN account_structures s ON s.account_id = a.account_id "
            "LEFT JOIN structures t ON t.jointure = s.structure "
            "WHERE a.identity <> '' AND a.state IN ('pending', 'active') ORDER BY a.jointure"
        ):
            rows[j] = identity
            if uai:
                uais.setdefault(j, set()).add(uai)
        return [Identity(j, identity, frozenset(uais.get(j, ()))) for j, identity in rows.items()]

    def merged(self) -> list[MergedPair]:
        return [
            MergedPair(survivor, absorbed)
            for survivor, absorbed in self.db.query(
                "SELECT s.jointure, a.jointure FROM account_merges m "
                "JOIN accounts s ON s.account_id = m.survivor_id JOIN accounts a ON a.account_id = m.absorbed_id "
                "ORDER BY a.jointure"
            )
        ]
