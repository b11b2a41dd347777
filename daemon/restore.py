"""Restore a SQLite store from a backup without bringing back an erased
person (design-17 §7), and the same guarantee for PostgreSQL's own
``pg_restore`` (README, *Backup and restore*).

A person is erased by destroying their keys (crypto-shredding): a backup
taken before still holds those keys live. So the destroyed keys of the
store being replaced (its tombstones) are read first, and destroyed again
in the restored copy *before* it takes the store's place — no moment where
the restored store could read an erased person. When some were, the read
models are rebuilt from the log: rows projected when the key was live held
the values a replay now reads as erased.

The store's file is replaced in one rename, the replaced one kept beside it
(``<store>.before-restore-<time>``) unless told otherwise. A store that
another process has open (a running service) is refused, not waited for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path

from daemon import bootstrap
from daemon.bootstrap import Context
from events.personal import Tombstone
from events.policy import Policy
from projections import imports_schema, schema, siecle_schema
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.imports import ImportsProjection
from projections.keyring import SqlKeyRing
from projections.siecle import SiecleProjection
from projections.store_backup import destroyed_count, held, staged, standalone, swap


@dataclass(frozen=True)
class Reapplied:
    destroyed: int  # keys live in this store, destroyed again
    recorded: int  # tombstones of keys this store never had, recorded so that a later restore carries them too
    already: int  # keys this store had destroyed already


class StoreChanged(Exception):
    """A key was destroyed in the current store while the restore ran."""


@dataclass(frozen=True)
class Restored:
    carried: int  # tombstones read from the store replaced
    reapplied: Reapplied
    kept: Path | None  # where the replaced store is kept
    current: bool  # whether there was a store to replace


def restore_sqlite(store: Path, backup: Path, at: datetime, policy: Policy, keep_current: bool = True) -> Restored:
    """Replace the SQLite store ``store`` with the (checked) ``backup``, its
    keys destroyed since carried over. StoreInUse while another process has
    the store open."""
    current = store.exists()
    dead: list[Tombstone] = []
    if current:
        with held(store):
            pass  # fails at once if a service has it open, before any copy is made
        db = Database(f"sqlite:///{store}")
        try:
            dead = SqlKeyRing(db).destroyed() if db.table_exists("keyring") else []
            db.execute("PRAGMA journal_mode=DELETE")  # one file, nothing left in a -wal beside it
        finally:
            db.close()
    tmp = staged(backup, store)
    try:
        again = reapply(f"sqlite:///{tmp}", dead, policy)
        standalone(tmp)
        keep = store.with_name(f"{store.name}.before-restore-{at:%Y%m%dT%H%M%SZ}") if current and keep_current else None
        if current:
            with held(store) as conn:
                if destroyed_count(conn) != len(dead):
                    raise StoreChanged(f"{store}: a key was destroyed while the restore ran; run it again")
                swap(tmp, store, keep)
        else:
            swap(tmp, store, None)
    finally:
        tmp.unlink(missing_ok=True)
    return Restored(carried=len(dead), reapplied=again, kept=keep, current=current)


def reapply(store_url: str, dead: Iterable[Tombstone], policy: Policy) -> Reapplied:
    """Destroy ``dead``'s keys again in the store at ``store_url`` (not
    opened when there are none)."""
    dead = list(dead)
    if not dead:
        return Reapplied(destroyed=0, recorded=0, already=0)
    ctx = bootstrap.build(store_url, policy)
    try:
        return reapply_in(ctx, dead)
    finally:
        ctx.close()


def reapply_in(ctx: Context, dead: Iterable[Tombstone]) -> Reapplied:
    """Destroy ``dead``'s keys again in ``ctx``'s store, each at the time it
    was destroyed first; rebuild its read models when a key that was live
    there is destroyed.

    The key ring destroys a subject's keys, all those live: only subjects
    whose tombstone's own key is live here are given, and then every live
    key of theirs here was live when the subject was erased (a subject
    erased gets a new key only once the old ones are destroyed)."""
    dead = list(dead)
    live = sorted((t for t in dead if ctx.keyring.key(t.key_id) is not None), key=lambda t: t.destroyed_at)
    destroyed = 0
    for at, group in groupby(live, key=lambda t: t.destroyed_at):
        destroyed += ctx.keyring.destroy([t.subject for t in group], datetime.fromisoformat(at))
    recorded = ctx.keyring.bury(dead)
    if destroyed:
        rebuild_read_models(ctx)
    return Reapplied(destroyed=destroyed, recorded=recorded, already=len(dead) - len(live) - recorded)


def rebuild_read_models(ctx: Context) -> None:
    """The three read models dropped and replayed from the log (what
    ``entsync verify`` compares them with)."""
    # The imports' and SIECLE's drops delete their tracking rows; the directory's drops the shared table.
    imports_schema.drop(ctx.db, "")
    siecle_schema.drop(ctx.db, "")
    schema.drop(ctx.db, "")
    for model in (DirectoryProjection(ctx.db), ImportsProjection(ctx.db), SiecleProjection(ctx.db)):
        model.catch_up(ctx.log)
