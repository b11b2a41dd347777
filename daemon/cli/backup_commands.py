"""``entsync backup OUT`` and ``entsync restore BACKUP`` (a SQLite store;
daemon/restore.py), and ``entsync erasures export|reapply FILE``: the
destroyed keys carried across PostgreSQL's ``pg_restore`` (README,
*Backup and restore*)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from argparse import Namespace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from daemon import config
from daemon.bootstrap import Context
from daemon.cli.exits import EXIT_OK, CommandFailed
from daemon.cli.render import Output
from daemon.restore import reapply_in, restore_sqlite
from events.personal import Tombstone
from events.usecases.details_erasure import pending_details
from events.usecases.erasure import pending, recorded
from projections import store_backup
from projections.store_backup import StoreInUse
from projections.store_url import StoreURL


def add_arguments(backup: argparse.ArgumentParser, restore: argparse.ArgumentParser) -> None:
    backup.add_argument("out", metavar="OUT", help="the backup file to write (replaced only once whole)")
    restore.add_argument("backup", metavar="BACKUP", help="a file `entsync backup` wrote")
    restore.add_argument("--yes", action="store_true", help="replace the store (without it: say what would be done)")
    restore.add_argument(
        "--discard-current",
        action="store_true",
        help="do not keep the replaced store as STORE.before-restore-TIME",
    )


def add_erasures_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("action", choices=["preview", "list", "export", "reapply"])
    sp.add_argument(
        "file",
        metavar="FILE",
        nargs="?",
        help="export, reapply: the JSON list of destroyed keys (key_id, subject, destroyed_at)",
    )


def _sqlite_store(args: Namespace, command: str) -> tuple[Path, config.Settings]:
    """The SQLite store's file and the configuration; a one-line refusal
    for a PostgreSQL store, with the commands that do it there."""
    settings = config.load(args.config, args.store)
    url = StoreURL(settings.store)
    if url.dialect == "postgres":
        raise CommandFailed(
            f"a PostgreSQL store is {'backed up' if command == 'backup' else 'restored'} with PostgreSQL's own "
            f"tools: {PG_COMMANDS[command].format(url=url)} (README, Backup and restore)"
        )
    if url.memory:
        raise CommandFailed(f"the in-memory store has nothing to {command}")
    return Path(url.path), settings


PG_COMMANDS = {
    "backup": "pg_dump -Fc -h {url.host} -p {url.port} -U {url.user} -f OUT {url.dbname}",
    "restore": "entsync erasures export FILE, then pg_restore --clean --if-exists -h {url.host} -p {url.port} "
    "-U {url.user} -d {url.dbname} BACKUP, then entsync erasures reapply FILE",
}


def backup(args: Namespace, ui: Output) -> int:
    """An online copy of the SQLite store into OUT, checked."""
    (store, _), out = _sqlite_store(args, "backup"), Path(args.out)
    if out.is_dir():
        raise CommandFailed(f"{out}: is a directory; give the backup file's name")
    if out.exists() and out.resolve() == store.resolve():
        raise CommandFailed(f"{out}: is the store itself")
    if not out.parent.is_dir():
        raise CommandFailed(f"{out.parent}: no such directory; create it or give another place for the backup")
    done = store_backup.backup(store, out)
    taken = datetime.now(timezone.utc)
    data = {"out": str(out), "bytes": done.size, "position": done.position, "taken_at": taken}
    ui.show(data, f"backup written to {out}: {_size(done.size)}, log position {done.position}, at {ui.time(taken)}")
    return EXIT_OK


def restore(args: Namespace, ui: Output) -> int:
    """Replace the SQLite store with BACKUP, keys destroyed since carried over."""
    (store, settings), source = _sqlite_store(args, "restore"), Path(args.backup)
    position = store_backup.checked(source)
    if not args.yes:
        raise CommandFailed(
            f"restore replaces the store {store} with {source} (log position {position}); "
            "run it again with --yes to do it"
        )
    try:
        done = restore_sqlite(
            store, source, datetime.now(timezone.utc), settings.policy, keep_current=not args.discard_current
        )
    except StoreInUse:
        raise CommandFailed(
            f"{store}: the store is open in another process (a running service, a command): stop it, then restore"
        ) from None
    lines = [f"store {store} restored from {source}: log position {position}"]
    if done.kept:
        lines.append(f"the replaced store is kept as {done.kept}")
    if not done.current:
        lines.append("there was no store to replace: no destroyed key to carry over (README, Backup and restore)")
    lines.append(_reapplied_line(done.carried, done.reapplied.destroyed, done.reapplied.recorded))
    data = {
        "store": str(store),
        "backup": str(source),
        "position": position,
        "kept": str(done.kept) if done.kept else None,
        "tombstones": done.carried,
        "keys_destroyed_again": done.reapplied.destroyed,
        "tombstones_recorded": done.reapplied.recorded,
    }
    ui.show(data, "\n".join(lines))
    return EXIT_OK


def erasures(args: Namespace, ctx: Context, ui: Output) -> int:
    """``preview``: the erasures due (held or not) at ``--now``; ``list``: the
    erasures recorded; ``export FILE``: the store's destroyed keys as a JSON
    list (ids and times, no personal data); ``reapply FILE``: destroy them
    again here."""
    if args.action in ("preview", "list"):
        return erasure_listing(args, ctx, ui)
    if not args.file:
        raise CommandFailed(f"erasures {args.action} needs FILE")
    path = Path(args.file)
    if args.action == "export":
        dead = ctx.keyring.destroyed()
        _write(path, [dataclasses.asdict(t) for t in dead])
        ui.show({"file": str(path), "tombstones": len(dead)}, f"{len(dead)} destroyed keys written to {path}")
        return EXIT_OK
    dead = _read(path)
    again = reapply_in(ctx, dead)
    data = {"file": str(path), "tombstones": len(dead), "keys_destroyed_again": again.destroyed}
    data["tombstones_recorded"] = again.recorded
    ui.show(data, _reapplied_line(len(dead), again.destroyed, again.recorded))
    return EXIT_OK


def erasure_listing(args: Namespace, ctx: Context, ui: Output) -> int:
    """Ids, dates and counts only: never a name (events/usecases/erasure.py)."""
    ctx.projection.catch_up(ctx.log)
    ctx.keyring.refresh()
    if args.action == "list":
        done = [e.as_dict() for e in recorded(ctx)]
        text = f"{len(done)} erasure(s) recorded\n" + ui.table(done, ("account_id", "jointure", "erased_at", "keys"))
        ui.show({"erasures": done}, text)
        return EXIT_OK
    at = args.now or ctx.clock.now()
    listed = [d.as_dict() for d in pending(ctx, at)]
    held = sum(1 for d in listed if d["held"])
    counts = {"due": len(listed) - held, "held": held}
    text = f"erasures due at {ui.time(at)}: {counts['due']} to record, {held} held\n" + ui.table(
        [{**d, "held": "yes" if d["held"] else "no"} for d in listed],
        ("account_id", "jointure", "state", "gone_at", "due_at", "held"),
    )
    # The second section: deliveries' and imports' details (their read models first).
    ctx.siecle.catch_up(ctx.log)
    ctx.imports.catch_up(ctx.log)
    details = [d.as_dict() for d in pending_details(ctx, at)]
    details_held = sum(1 for d in details if d["held"])
    counts |= {"details_due": len(details) - details_held, "details_held": details_held}
    text += (
        f"\ndetails of deliveries and imports due at {ui.time(at)}: {counts['details_due']} to erase, "
        f"{details_held} held\n"
        + ui.table(
            [{**d, "held": "yes" if d["held"] else "no"} for d in details],
            ("stream_id", "kind", "received_at", "due_at", "held"),
        )
    )
    ui.show({"at": at.isoformat(), **counts, "erasures": listed, "details": details}, text)
    return EXIT_OK


def _reapplied_line(carried: int, destroyed: int, recorded: int) -> str:
    line = f"destroyed keys carried over: {carried}; destroyed again in the restored store: {destroyed}"
    if recorded:
        line += f"; {recorded} it never had, recorded as destroyed"
    if destroyed:
        line += " (read models rebuilt from the log)"
    return line


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    tmp = store_backup.temporary(path, "partial")
    try:
        tmp.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> list[Tombstone]:
    try:
        rows: Any = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not the JSON `entsync erasures export` writes ({exc})") from None
    fields = ("key_id", "subject", "destroyed_at")
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and all(isinstance(r.get(f), str) and r[f] for f in fields) for r in rows
    ):
        raise ValueError(
            f"{path}: not a list of destroyed keys ({', '.join(fields)}) as `entsync erasures export` writes"
        )
    return [Tombstone(r["key_id"], r["subject"], r["destroyed_at"]) for r in rows]


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB ({n} bytes)" if n >= 1_000_000 else f"{n} bytes"
