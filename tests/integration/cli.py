"""`entsync` run in-process by the story tests: the real argument parsing,
commands and output, without a process per command."""

from __future__ import annotations

import json

from daemon.cli import main


class Cli:
    """``run`` gives (exit code, stdout); ``err`` holds the last stderr."""

    def __init__(self, store_url: str, capsys):
        self.store_url, self.capsys = store_url, capsys
        self.err = ""

    def run(self, *args: str) -> tuple[int, str]:
        self.capsys.readouterr()
        code = main(["--store", self.store_url, *args])
        captured = self.capsys.readouterr()
        self.err = captured.err
        return code, captured.out

    def json(self, *args: str):
        code, out = self.run(*args, "--json")
        assert code == 0, out
        return json.loads(out)


def year_started(request, backend: str, first, capsys, key: str, directory=None) -> str:
    """A copy of the simulation store where the delivery ``first`` was
    ingested at T0 and its accounts created at T_CREATE through `entsync`:
    brought there once per backend under ``key`` (prepared_store), so that
    a story's stores (merged and a reference) start from copies of it."""
    from tests.integration.conftest import T0, T_CREATE, prepared_store

    def start(url: str) -> None:
        cli = Cli(url, capsys)
        for step in (("ingest", str(first), "--now", T0.isoformat()), ("tick", "--now", T_CREATE.isoformat())):
            assert cli.run(*step)[0] == 0, cli.err

    return prepared_store(request, backend, key, start, directory)


def reads(cli: Cli, keys: list[str], uais: list[str], *more: str) -> dict:
    """What the read commands show of ``keys`` and the establishments
    ``uais``, plus the listings ``more`` (e.g. "anomalies")."""
    return {
        "accounts": cli.json("accounts"),
        "by_uai": {u: cli.json("accounts", "--uai", u) for u in uais},
        "details": {k: cli.json("account", k) for k in keys},
        "classes": {u: cli.json("classes", u, "--members") for u in uais},
        **{m: cli.json(m) for m in more},
    }
