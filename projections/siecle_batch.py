"""The rows one batch of the SIECLE projection (projections/siecle.py)
touches, loaded once and written at its end in the batch's transaction."""

from __future__ import annotations

from projections.bulk import insert_rows, upsert_rows
from projections.db import Database
from projections.siecle_schema import COLUMNS, PRIMARY_KEYS, TABLES


class Rows:
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
            upsert_rows(self.db, f"{self.p}{table}", cols, pk, [tuple(r[c] for c in cols) for r in kept])
        insert_rows(self.db, f"{self.p}siecle_rejections", COLUMNS["siecle_rejections"], self.rejections)
