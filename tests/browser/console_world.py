"""The world the browser tests look at (issue 16): the collège of the
diagnosis stories (tests/integration/diagnosis_world.py) after its rentrée,
where SIECLE's guardians export of 17 September retypes guardian b's record
for someone else — Éloïse Dépréaux-Ménétrier, accents on both names — so that
b's account is a suspected overwrite held for a decision; the persons of
seed 001's sample ticket (ticket_world.py); tokens made by
`entsync tokens create`; and `entsync run` serving it on 127.0.0.1.

The store is prepared once per session (a SQLite copy of the prepared
rentrée); the daemon runs at the wall clock, after the world's dates."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from tests import api_tokens
from tests.browser import ticket_world
from tests.browser.ticket_world import Ticket
from tests.e2e.daemon_process import Daemon
from tests.integration import diagnosis_world as world_
from tests.integration.cli import Cli
from tests.integration.diagnosis_world import SIECLE_ENCODING, T_LATER, World

# The person SIECLE's retyped record names instead of guardian b.
NEWCOMER = {"LC_CIVILITE": "MME", "NOM_DE_FAMILLE": "Dépréaux-Ménétrier", "NOM_USAGE": "", "PRENOM": "Éloïse"}
# An establishment of the académie other than the collège's (its admin sees none of the collège's persons).
OTHER_UAI = "0380099X"


@dataclass(frozen=True)
class Guardian:
    """The overwritten guardian as the directory holds it until a decision."""

    jointure: str
    account_id: str
    family_name: str
    given_name: str


@dataclass(frozen=True)
class ConsoleWorld:
    daemon: Daemon
    world: World
    url: str  # the daemon's base URL, http://127.0.0.1:PORT
    tokens: dict[str, str]  # "etab-admin", "other-etab-admin", "operator" → secret
    guardian: Guardian
    siecle_file: str  # the guardians export's file name, which the timeline names
    overwrite_line: int  # the retyped record's line in it
    ticket: Ticket  # seed 001's sample ticket's persons (ticket_world.py)


class _Output:
    """What `Cli` asks of pytest's capsys, for a session's fixture (capsys is
    a test's): the commands' output, kept while they run in-process."""

    def __init__(self) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()

    def readouterr(self) -> SimpleNamespace:
        said = SimpleNamespace(out=self.out.getvalue(), err=self.err.getvalue())
        for buffer in (self.out, self.err):
            buffer.seek(0)
            buffer.truncate()
        return said


def newcomer_export(world: World) -> Path:
    """SIECLE's guardians export of 17 September: b's record retyped for the newcomer."""
    body = world.responsables.read_bytes()
    values = {tag.encode(): value.encode(SIECLE_ENCODING) for tag, value in NEWCOMER.items()}
    return world_.later_export(world, "retyped-newcomer", world.responsables, world_.retyped(body, world.b, values))


def prepare(request, root: Path) -> tuple[World, str, dict[str, str], dict, Ticket]:
    """The world, its store's URL, the tokens' secrets, the overwrite's anomaly row and the ticket's persons."""
    output = _Output()
    with contextlib.redirect_stdout(output.out), contextlib.redirect_stderr(output.err):
        world = world_.build(root / "world")
        (root / "store").mkdir()
        cli = world_.rentree(request, "sqlite", world, output, root / "store")  # type: ignore[arg-type]
        code, out = cli.run("ingest", str(newcomer_export(world)), "--now", T_LATER.isoformat())
        assert code == 0 and "overwrites_suspected 1" in out, (out, cli.err)
        (anomaly,) = cli.json("anomalies", "--kind", "suspected_overwrite")
        ticket = ticket_world.prepare(cli, world)
        tokens = {
            "etab-admin": _token(cli, "console-etab-admin", "etab-admin", world.uai),
            "other-etab-admin": _token(cli, "console-other-etab-admin", "etab-admin", OTHER_UAI),
            "operator": _token(cli, "console-operator", "operator"),
        }
        account = cli.json("account", world.b)
    anomaly["family_name"], anomaly["given_name"] = (
        account["attributes"]["sn"][0],
        account["attributes"]["givenName"][0],
    )
    return world, cli.store_url, tokens, anomaly, ticket


def _token(cli: Cli, name: str, role: str, uai: str | None = None) -> str:
    code, out = cli.run("--json", "tokens", "create", name, "--role", role, *(("--uai", uai) if uai else ()))
    assert code == 0, (out, cli.err)
    secret = json.loads(out)["token"]
    api_tokens.ISSUED.add(secret)  # the session's scan looks for it in what was logged
    return secret


def start(request, root: Path) -> ConsoleWorld:
    """The prepared world served by `entsync run` (stopped by the caller)."""
    world, store, tokens, anomaly, ticket = prepare(request, root)
    inbox = root / "inbox"
    inbox.mkdir()
    daemon = Daemon(root, store, inbox, quiet=30).start()
    guardian = Guardian(world.b, anomaly["account_id"], anomaly["family_name"], anomaly["given_name"])
    base = daemon.url("")
    return ConsoleWorld(daemon, world, base, tokens, guardian, anomaly["file"], anomaly["line"], ticket)
