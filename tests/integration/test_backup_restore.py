"""Backup and restore on both stores (issue 17, design §7): the académie's
first delivery and its creations, a backup, the second delivery, then the
restore — `entsync backup|restore` on SQLite, the real `pg_dump -Fc` and
`pg_restore --clean --if-exists` between `entsync erasures export` and
`reapply` on PostgreSQL (README, *Backup and restore*). The restored store
verifies, and the second delivery ingested again brings it to the very log
and read model of a store that was never restored. A key destroyed after
the backup is still destroyed once it is restored."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from daemon import bootstrap
from events.personal import STORE_SUBJECT
from events.policy import Policy
from projections.db import Database
from projections.keyring import SqlKeyRing
from projections.store_backup import checked
from projections.store_url import StoreURL
from tests.integration.cli import Cli
from tests.integration.conftest import T1, academie_started
from tests.stored import store_snapshot

T = TypeVar("T")
T_LATER = T1 + timedelta(days=3)  # the tick after the second delivery


def store_in(request, backend: str, acad, directory: Path) -> str:
    """A copy of the started académie's store (a SQLite one in ``directory``)."""
    directory.mkdir()
    return academie_started(request, backend, acad, directory)


def later(cli: Cli, acad) -> None:
    """What happened after the backup: the second delivery and its tick."""
    assert cli.run("ingest", str(acad.second), "--now", T1.isoformat())[0] == 0, cli.err
    assert cli.run("tick", "--now", T_LATER.isoformat())[0] == 0, cli.err


def snapshot(url: str) -> tuple[list, dict]:
    """Every stored event (storage times aside) and every read-model row."""
    return store_snapshot(url)


class Procedure:
    """The README's backup and restore of one backend, run as an operator would."""

    def __init__(self, request, backend: str, cli: Cli, tmp: Path):
        self.backend, self.cli, self.tmp = backend, cli, tmp
        self.url = StoreURL(cli.store_url)
        if backend == "postgres":
            from tests.conftest import find_pg_bindir

            self.bindir = find_pg_bindir()
            self.server = request.getfixturevalue("pg_server")

    def backup(self) -> Path:
        if self.backend == "sqlite":
            out = self.tmp / "backup.db"
            code, said = self.cli.run("backup", str(out))
            assert code == 0, self.cli.err
            assert f"log position {checked(out)}" in said
            return out
        out = self.tmp / "backup.dump"
        self._pg("pg_dump", "-Fc", "-f", str(out), self.url.dbname)
        return out

    def restore(self, backup: Path) -> str:
        """What the restore said of the destroyed keys."""
        if self.backend == "sqlite":
            code, said = self.cli.run("restore", str(backup), "--yes")
            assert code == 0, self.cli.err
            return said
        tombstones = self.tmp / "tombstones.json"
        assert self.cli.run("erasures", "export", str(tombstones))[0] == 0, self.cli.err
        self._pg("pg_restore", "--clean", "--if-exists", "-d", self.url.dbname, str(backup))
        code, said = self.cli.run("erasures", "reapply", str(tombstones))
        assert code == 0, self.cli.err
        return said

    def _pg(self, tool: str, *args: str) -> None:
        server = self.server
        cmd = [str(self.bindir / tool), "-h", server.host, "-p", str(server.port), "-U", server.user, *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr


@pytest.fixture
def started(request, backend, academie, tmp_path) -> str:
    return store_in(request, backend, academie, tmp_path / "store")


def test_a_restored_store_verifies_and_catches_up_to_the_store_never_restored(
    request, backend, academie, started, tmp_path, capsys
):
    cli = Cli(started, capsys)
    procedure = Procedure(request, backend, cli, tmp_path)
    backup = procedure.backup()
    at_backup = snapshot(started)
    later(cli, academie)
    assert snapshot(started) != at_backup  # the second delivery changed the store

    procedure.restore(backup)
    assert snapshot(started) == at_backup
    code, said = cli.run("verify")
    assert code == 0 and "read model equals a rebuild from the log" in said, said + cli.err

    later(cli, academie)
    never_restored = store_in(request, backend, academie, tmp_path / "reference")
    later(Cli(never_restored, capsys), academie)
    assert snapshot(started) == snapshot(never_restored)


def _keys(url: str) -> dict[str, tuple]:
    """Every key but the store's pepper: subject, whether its secret is kept, when destroyed."""
    db = Database(url)
    try:
        rows = db.query(
            "SELECT key_id, subject, secret, destroyed_at FROM keyring WHERE subject <> ?", (STORE_SUBJECT,)
        )
        return {k: (s, secret is not None, d) for k, s, secret, d in rows}
    finally:
        db.close()


def _ring(url: str, act: Callable[[SqlKeyRing], T]) -> T:
    ring = SqlKeyRing(Database(url))
    try:
        done = act(ring)
        ring.flush()
        return done
    finally:
        ring.close()


def test_a_key_destroyed_after_the_backup_stays_destroyed_after_the_restore(
    request, backend, academie, started, tmp_path, capsys
):
    cli = Cli(started, capsys)
    procedure = Procedure(request, backend, cli, tmp_path)
    kept = _ring(started, lambda ring: ring.key_for("person-kept")[0])
    erased = _ring(started, lambda ring: ring.key_for("person-erased")[0])
    backup = procedure.backup()
    before = _keys(started)
    # After the backup: one person erased, another one's key made and destroyed.
    _ring(started, lambda ring: ring.destroy(["person-erased"], T1))
    new = _ring(started, lambda ring: ring.key_for("person-new")[0])
    _ring(started, lambda ring: ring.destroy(["person-new"], T_LATER))
    assert before[erased] == ("person-erased", True, None)

    said = procedure.restore(backup)
    assert "destroyed keys carried over: 2; destroyed again in the restored store: 1; 1 it never had" in said
    after = _keys(started)
    assert after[kept] == ("person-kept", True, None)
    assert after[erased] == ("person-erased", False, T1.isoformat())
    assert after[new] == ("person-new", False, T_LATER.isoformat())
    assert {k: v for k, v in after.items() if k not in (erased, new)} == {
        k: v for k, v in before.items() if k != erased
    }
    code, said = cli.run("verify")
    assert code == 0 and "read model equals a rebuild from the log" in said, said + cli.err


def test_a_sqlite_store_open_in_another_process_is_not_replaced(academie, request, tmp_path, capsys):
    started = store_in(request, "sqlite", academie, tmp_path / "store")
    cli = Cli(started, capsys)
    code, _ = cli.run("backup", str(tmp_path / "nowhere" / "backup.db"))  # a directory that does not exist
    assert code == 1 and cli.err == f"entsync: error: {tmp_path / 'nowhere'}: no such directory; " + (
        "create it or give another place for the backup\n"
    )
    assert cli.run("backup", str(tmp_path / "backup.db"))[0] == 0, cli.err
    service = bootstrap.build(started, Policy())  # what a running service holds open
    try:
        code, _ = cli.run("restore", str(tmp_path / "backup.db"), "--yes")
        assert code == 1 and "open in another process" in cli.err
    finally:
        service.close()
    assert sorted(p.name for p in (tmp_path / "store").iterdir() if "restor" in p.name) == []
    code, _ = cli.run("restore", str(tmp_path / "backup.db"))
    assert code == 1 and "--yes" in cli.err  # says what it would do, does nothing
    code, said = cli.run("restore", str(tmp_path / "backup.db"), "--yes")
    assert code == 0 and "kept as" in said
    assert [p.name.split("-")[0] for p in (tmp_path / "store").iterdir() if "before-restore" in p.name] == [
        "entsync.db.before"
    ]
