"""Every failure of `entsync` is one line, `entsync: error: …`, on stderr,
with a non-zero exit code and no traceback (issue 12): bad ids, bad times,
missing files, directories where a file is expected, files of the wrong
kind, unreadable or invalid configurations, stores that are not there or
not stores, wrong actions for a state, usage errors — for every command."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from daemon.cli import commands, main
from tests.e2e.test_cli import run as run_installed

FIX = Path(__file__).resolve().parents[1] / "fixtures"
RENTREE = "2026-08-18T06:00:00+00:00"


def entsync(*argv: str) -> tuple[int, str, str]:
    """`entsync` in-process: exit code (a usage error's SystemExit too), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A simulation store holding one AAF delivery, and files of every wrong sort."""
    work = tmp_path_factory.mktemp("errors")
    store = f"sqlite:///{work / 'entsync.db'}"
    assert entsync("--store", store, "store", "init", "--simulation")[0] == 0
    assert entsync("--store", store, "ingest", str(FIX / "aaf" / "values"), "--now", RENTREE)[0] == 0
    (work / "adir").mkdir()
    (work / "notes.txt").write_text("not a store, not TOML\n")
    (work / "latin1.toml").write_bytes(b"\xff\xfe")
    (work / "zone.toml").write_text('[policy]\ntimezone = "Mars/Olympus"\n')
    (work / "typed.toml").write_text("[policy]\nbrakes = 3\n")
    (work / "unknown.toml").write_text("no_such_key = 1\n")
    return work


BAD = [
    # ids that name nothing, or nothing at all
    ("account", "nobody"),
    ("account", ""),
    ("history", "nobody"),
    ("classes", "0000000A"),
    ("group-source", "0000000A"),
    ("group-source", "0000000A", "--json"),
    ("deliveries", "show"),
    ("deliveries", "show", "ffffffff"),
    ("deliveries", "release", "ffffffff"),
    ("imports", "show", "ffffffff"),
    ("imports", "validate"),
    ("imports", "sessions", "ffffffff"),
    ("imports", "match", "ffffffff"),
    ("siecle", "show"),
    ("siecle", "release", "ffffffff"),
    ("tokens", "create"),
    ("tokens", "create", "bob"),
    ("tokens", "create", "bob", "--role", "reader", "--uai", "not-a-uai"),
    ("tokens", "revoke", "nobody"),
    # times
    ("tick", "--now", "2026-01-01T00:00:00+00:00"),  # before the store's last recorded time
    ("tick", "--now", "tomorrow"),
    ("tick", "--now", "2026-13-01"),
    ("tick", "--now", "1999-12-31"),
    ("accounts", "--as-of", "2026-09-01T08:00:00+25:00"),
    ("purge", "hold", "--now", "2020-01-01T00:00"),
    # files: missing, a directory, of the wrong kind
    ("--config", "{work}/missing.toml", "accounts"),
    ("--config", "{work}/adir", "accounts"),
    ("--config", "{work}/notes.txt", "accounts"),
    ("--config", "{work}/latin1.toml", "accounts"),
    ("--config", "{work}/zone.toml", "accounts"),
    ("--config", "{work}/typed.toml", "accounts"),
    ("--config", "{work}/unknown.toml", "config", "check"),
    ("ingest", "{work}/notes.txt/inside"),
    # stores
    ("--store", "sqlite:///{work}/missing.db", "accounts"),
    ("--store", "sqlite:///{work}/adir", "store", "init"),
    ("--store", "sqlite:///{work}/notes.txt", "accounts"),
    ("--store", "sqlite:///{work}/no/such/dir/x.db", "store", "init"),
    ("--store", "mysql://somewhere/db", "accounts"),
    ("store", "init"),  # declared a simulation: it cannot change
    # a state that does not allow it
    ("deliveries", "reject", "{delivery}"),
    # Kafka without brokers
    ("outbound",),
    ("publish", "{work}/notes.txt"),
    # usage errors
    (),
    ("no-such-command",),
    ("--no-such-option", "accounts"),
    ("accounts", "--limit", "0"),
    ("accounts", "--state", "asleep"),
    ("deliveries", "bogus"),
    ("consume", "--idle-exit", "-1"),
    ("run", "--listen", "nowhere"),
    ("generate",),
    ("generate", "{work}/notes.txt/out", "--students", "10"),
    ("generate", "{work}/gen", "--students", "many"),
]


@pytest.mark.parametrize("argv", BAD, ids=" ".join)
def test_a_bad_invocation_is_one_line_and_a_non_zero_exit(work, argv):
    store = f"sqlite:///{work / 'entsync.db'}"
    delivery = "" if "{delivery}" not in argv else _delivery(store)
    argv = tuple(a.format(work=work, delivery=delivery) for a in argv)
    if "--store" not in argv and argv[:1] != ("generate",):
        argv = ("--store", store, *argv)
    code, out, err = entsync(*argv)
    assert code != 0, (argv, out, err)
    assert "Traceback" not in out + err
    assert err.count("\n") == 1 and err.startswith("entsync: error: "), err
    assert "None" not in err and "[Errno" not in err, err
    if "--json" not in argv:
        assert out == "", out


def _delivery(store: str) -> str:
    import json

    return json.loads(entsync("--store", store, "deliveries", "--json")[1])[0]["delivery_id"]


def test_a_failure_answering_json_keeps_its_shape_on_stdout(work):
    code, out, err = entsync("--store", f"sqlite:///{work / 'entsync.db'}", "group-source", "0000000A", "--json")
    assert (code, out.split()) == (1, ["{", '"error":', '"unknown_uai",', '"uai":', '"0000000A"', "}"])


def test_times_in_an_error_are_in_the_one_style(work):
    code, _, err = entsync("--store", f"sqlite:///{work / 'entsync.db'}", "tick", "--now", "2026-01-01T12:00:00+00:00")
    assert code == 1
    assert "--now 2026-01-01 13:00:00 CET is before the last recorded effective time 2026-08-18 08:00:00 CEST" in err


def test_an_unexpected_error_is_one_line_and_its_traceback_only_on_demand(work, monkeypatch):
    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.COMMANDS, "accounts", broken)
    store = f"sqlite:///{work / 'entsync.db'}"
    code, _, err = entsync("--store", store, "accounts")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("entsync: error: RuntimeError: boom (unexpected: `entsync --debug …`")
    code, _, err = entsync("--debug", "--store", store, "accounts")
    assert code == 1 and "Traceback" in err and err.splitlines()[-1] == "entsync: error: RuntimeError: boom"


@pytest.mark.parametrize(
    "argv",
    [("--config", "missing.toml", "accounts"), ("accounts", "--limit", "x"), ("generate", "--students", "10")],
)
def test_the_installed_script_says_the_same(tmp_path, argv):
    proc = run_installed(*argv, cwd=tmp_path, check_code=1)
    assert proc.stderr.startswith("entsync: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stdout == ""
