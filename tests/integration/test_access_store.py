"""The token store and the access audit (projections/access.py) on the real
backends: the same contract as on the in-memory store (tests/unit/test_access.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from daemon import bootstrap
from events.access import Role, Token
from projections.access import AccessAudit

T0 = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)


def _token(token_id: str, name: str, role: Role = Role.READER, uais=("0750001A",)) -> Token:
    return Token(token_id, name, role, frozenset(uais), "d" * 64, T0)


def test_tokens_are_kept_listed_and_revoked(store_url):
    ctx = bootstrap.build(store_url)
    try:
        store = ctx.tokens
        assert not store.any_active()
        store.add(_token("aaaaaaaaaa", "alice", uais=("0750002B", "0750001A")))
        store.add(_token("bbbbbbbbbb", "ops", Role.OPERATOR, uais=()))
        kept = store.by_id("aaaaaaaaaa")
        assert kept == _token("aaaaaaaaaa", "alice", uais=("0750001A", "0750002B"))
        assert store.by_id("cccccccccc") is None
        assert store.active_names() == {"alice", "ops"}
        # One active token per name, enforced by the database too.
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
            store.add(_token("cccccccccc", "alice"))
        assert store.revoke("alice", T0 + timedelta(hours=1))
        assert not store.revoke("alice", T0 + timedelta(hours=2))
        assert store.by_id("aaaaaaaaaa").revoked_at == T0 + timedelta(hours=1)
        store.add(_token("cccccccccc", "alice"))
        # By creation time, then name.
        assert [t.token_id for t in store.listing()] == ["cccccccccc", "bbbbbbbbbb"]
        assert {t.token_id for t in store.listing(include_revoked=True)} == {"aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"}
        assert store.any_active()
    finally:
        ctx.close()


def test_the_audit_keeps_the_newest_rows_up_to_its_cap(store_url):
    ctx = bootstrap.build(store_url)
    try:
        audit = AccessAudit(ctx.db, cap=5)
        for i in range(8):
            audit.record(T0 + timedelta(seconds=i), "-", "127.0.0.1", "GET", "/api/v1/accounts", 401, "unauthorized")
        assert len(audit.recent(limit=100)) == 8  # trimmed every TRIM_EVERY writes, not on each
        audit.trim()
        rows = audit.recent(limit=100)
        assert len(rows) == 5
        assert rows[0]["at"] == (T0 + timedelta(seconds=7)).isoformat()
        assert rows[-1]["at"] == (T0 + timedelta(seconds=3)).isoformat()
        assert rows[0]["route"] == "/api/v1/accounts" and rows[0]["status"] == 401
    finally:
        ctx.close()


@pytest.mark.parametrize("typed", ["%", "_", "%%", "\\", "a_"])
def test_a_typed_id_prefix_is_characters_not_a_pattern(store_url, typed):
    """`deliveries show %` must not match the one delivery there is (LIKE's
    wildcards escaped: projections/db.py starting_with)."""
    from projections import delivery_queries, import_queries
    from projections.clauses import LIKE_PREFIX, starting_with

    ctx = bootstrap.build(store_url)
    try:
        ctx.db.execute("CREATE TABLE like_probe (v TEXT)")
        ctx.db.executemany("INSERT INTO like_probe VALUES (?)", [("abc",), ("a_c",), ("%x",), ("\\y",)])
        found = {v for (v,) in ctx.db.query(f"SELECT v FROM like_probe WHERE v {LIKE_PREFIX}", (starting_with(typed),))}
        assert found == {v for v in ("abc", "a_c", "%x", "\\y") if v.startswith(typed)}
        assert delivery_queries.delivery(ctx.db, typed) is None
        assert import_queries.find(ctx.db, typed) is None
    finally:
        ctx.close()
