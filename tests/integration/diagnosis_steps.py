"""What the operator and the sources do in the diagnosis stories
(test_diagnosis_stories.py), step by step through `entsync`, on a copy of
the collège's rentrée (diagnosis_world.py); shared by the stories that
bring several incidents into one store."""

from __future__ import annotations

from datetime import datetime, timedelta

from daemon import bootstrap
from events.policy import Policy
from projections import imports_schema, schema, siecle_schema
from tests.api_tokens import bearer
from tests.integration import diagnosis_world as world_
from tests.integration import test_http_access as http_access
from tests.integration.cli import Cli
from tests.integration.diagnosis_world import RELATIONS, T_LATER, World


def ingested(cli: Cli, path, at: datetime) -> str:
    code, out = cli.run("ingest", str(path), "--now", at.isoformat())
    assert code == 0, (out, cli.err)
    return out


def of_kind(cli: Cli, *kinds: str) -> list[dict]:
    return cli.json("anomalies", "--kind", ",".join(kinds))


def facts(cli: Cli, key: str, event: str) -> list[dict]:
    return [f for f in cli.json("history", key) if f["event"] == event]


def guardian_overwritten(cli: Cli, world: World) -> dict:
    """Story 1's first half: the rentrée's guardian b retyped in SIECLE as the other parent."""
    out = ingested(cli, world_.guardian_retyped(world), T_LATER)
    assert "overwrites_suspected 1" in out, out
    (row,) = of_kind(cli, "suspected_overwrite")
    return row


def guardian_typed_twice(cli: Cli, world: World) -> str:
    """Story 3's delta: a sibling enrolled without fetching its brother's
    guardians, the mother (a) typed again with another e-mail. Its jointure."""
    mother = cli.json("account", world.a)
    child = cli.json("account", mother["students"][0]["jointure"])["attributes"]
    sibling = {k: v for k, v in child.items() if not k.startswith(RELATIONS)}
    sibling |= {"givenName": ["Zoéline"], "ENTPersonDateNaissance": ["03/02/2016"], "ENTEleveINE": ["9900000001Z"],
                "ENTElevePersRelEleve": ["9900002$10$1$1"], "ENTPersonAutresPrenoms": []}  # fmt: skip
    again = {**mother["attributes"], "mail": ["une.autre.adresse@example.org"], "ENTAuxPersRelEleveEleve": ["9900001"]}
    delta = world_.aaf_delta(world.root / "delta-siblings", "20260917", {
        "Eleve": [world_.aaf_record("Eleve", "9900001", sibling)],
        "PersRelEleve": [world_.aaf_record("PersRelEleve", "9900002", again)],
    })  # fmt: skip
    ingested(cli, delta, T_LATER)
    return "9900002"


def guest_before_the_aaf(cli: Cli, world: World) -> tuple[str, str]:
    """Story 4: a contract teacher given a guest account on the day they
    arrive, the AAF delivering them the next day. Their jointures."""
    made = cli.json("admin", "create-account", "guest", "Gwendoline", "VASSEUR", "1991-12-24", "--uai", world.uai,
                    "--until", "2027-07-04", "--reason", "contractuelle arrivée avant l'AAF", "--operator", "bob",
                    "--now", T_LATER.isoformat())  # fmt: skip
    teacher = cli.json("account", world.teacher)["attributes"]
    contract = {**teacher, "sn": ["Vasseur"], "ENTPersonNomPatro": ["Vasseur"], "givenName": ["Gwendoline"],
                "ENTPersonDateNaissance": ["24/12/1991"], "mail": ["gwendoline.vasseur@ac-grenoble.fr"],
                "ENTPersonSTSId": ["99000010"], "personalTitle": ["Mme"]}  # fmt: skip
    delta = world_.aaf_delta(world.root / "delta-contract", "20260918",
                             {"PersEducNat": [world_.aaf_record("PersEducNat", "9900010", contract)]})  # fmt: skip
    ingested(cli, delta, T_LATER + timedelta(days=1))
    return made["jointure"], "9900010"


def several_incidents(cli: Cli, world: World) -> dict[str, str]:
    """Stories 1, 3, 4 and 5 in one store (they touch other accounts): the accounts to diagnose."""
    guardian_overwritten(cli, world)
    copy = guardian_typed_twice(cli, world)
    guest, teacher = guest_before_the_aaf(cli, world)
    ingested(cli, world_.leaving_in_june(world)[0], T_LATER + timedelta(days=2))
    return {"guardian": world.b, "copy": copy, "guest": guest, "contract": teacher, "no_class": world.teacher}


def ask(base: str, path: str, token: str) -> tuple[int, object]:
    """The API's answer to ``path``, asked with ``token``: (status, JSON body)."""
    status, _, body = http_access.ask(base, path, bearer(token))
    return status, body


def rebuilt_from_the_log(url: str) -> None:
    """The store's three read models dropped and projected again from the log alone."""
    ctx = bootstrap.build(url, Policy())
    try:  # the three read models dropped (the order of verify's clean-up: the directory's drop ends the tracking)
        imports_schema.drop(ctx.db, "")
        siecle_schema.drop(ctx.db, "")
        schema.drop(ctx.db, "")
    finally:
        ctx.close()
    ctx = bootstrap.build(url, Policy())
    try:  # fresh projections from the log alone, as the service's catch-up job does
        for model in (ctx.projection, ctx.imports, ctx.siecle):
            model.catch_up(ctx.log)
        assert ctx.db.scalar("SELECT COUNT(*) FROM accounts") > 0
    finally:
        ctx.close()
