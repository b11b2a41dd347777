"""What an operator meets first on the command line (issue 12): --version,
help for every command saying what it does and its exit codes, times
without an offset read in Paris time, and read commands that refuse a store
that does not exist instead of creating one."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from daemon.cli.helps import HELPS
from daemon.cli.main import main
from daemon.cli.parser import localize, parser


def test_version_is_printed_and_exits_0(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("entsync ")


@pytest.mark.parametrize("argv", [["generate", "--help"], ["--help"], ["ingest", "--help"], ["tokens", "--help"]])
def test_help_works_for_every_entry_point(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(HELPS))
def test_every_command_s_help_says_what_it_does_and_its_exit_codes(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    page = capsys.readouterr().out
    assert page.startswith(f"usage: entsync {command}")
    description = page.split("\n\n")[1]
    assert len(description.split()) >= 20, description  # a paragraph, not the one-liner again
    codes = page[page.index("exit codes:") :].splitlines()[1:]
    assert [line.split()[0] for line in codes if line.startswith("  ")][:2] == ["0", "1"]


def test_the_command_list_has_one_liners_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    page = capsys.readouterr().out
    for command, h in HELPS.items():
        assert f"    {command}" in page and h.line[:30] in " ".join(page.split())
    codes = page[page.index("exit codes") :]
    assert all(f"  {code}  " in codes for code in (0, 1, 2, 3))


@pytest.mark.parametrize(
    "written, utc",
    [
        ("2026-09-01T08:00", datetime(2026, 9, 1, 6, tzinfo=timezone.utc)),  # summer time: UTC+2
        ("2026-12-01T08:00", datetime(2026, 12, 1, 7, tzinfo=timezone.utc)),  # winter time: UTC+1
        ("2026-09-01T08:00+00:00", datetime(2026, 9, 1, 8, tzinfo=timezone.utc)),  # an offset is kept
    ],
)
def test_a_time_without_offset_is_paris_time(written, utc):
    args = parser().parse_args(["tick", "--now", written])
    localize(args, "Europe/Paris")
    assert args.now == utc


@pytest.mark.parametrize(
    "argv",
    [["accounts"], ["account", "x"], ["deliveries"], ["store", "info"], ["tick"], ["verify"], ["tokens", "list"]],
)
def test_commands_that_cannot_start_a_store_refuse_one_that_does_not_exist(argv, tmp_path, capsys):
    store = tmp_path / "missing.db"
    assert main(["--store", f"sqlite:///{store}", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("entsync: error: no store at ") and "Traceback" not in err
    assert not store.exists()


def test_store_init_creates_the_store(tmp_path, capsys):
    store = tmp_path / "new.db"
    assert main(["--store", f"sqlite:///{store}", "store", "init", "--simulation"]) == 0
    assert store.exists()
    assert main(["--store", f"sqlite:///{store}", "accounts"]) == 0


def test_the_table_the_shipped_calendar_names_is_accepted_by_the_configuration(tmp_path):
    from importlib import resources

    from daemon import config

    shipped = resources.files("events").joinpath("data/toussaint.toml").read_text(encoding="utf-8")
    assert "[policy.toussaint]" in shipped  # what it tells operators to write
    written = tmp_path / "entsync.toml"
    written.write_text("[policy.toussaint]\n2028 = 2028-10-21\n", encoding="utf-8")
    settings = config.load(str(written), None)
    assert settings.policy.calendar()[2028].isoformat() == "2028-10-21"


def test_the_cli_acts_as_the_system_user_unless_operator_says_otherwise(monkeypatch):
    import getpass

    from daemon.cli import parser

    assert parser.parser().parse_args(["deliveries", "release", "x"]).operator == parser.LOCAL_OPERATOR
    assert parser.LOCAL_OPERATOR == getpass.getuser()
    assert parser.parser().parse_args(["purge", "hold", "--operator", "alice"]).operator == "alice"

    def no_user() -> str:
        raise KeyError("uid 12345 has no name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert parser.local_operator() == "operator"
