"""Manual accounts, free groups and duplicate marks through the API (issue
13), on SQLite and PostgreSQL: every route by role (401 without a token, 403
for a reader, 404 — audited — outside an etab-admin's UAIs, 200 within and
for an operator), the token's name as the author read back from the stored
event, the manual-account guard's 409 naming the match by its account id
only (never the person's names, jointure or login) and, for an etab-admin, a
match elsewhere only as "exists in another establishment"; then one story:
members assigned by hand through the API survive a new complete delivery,
and a person of that delivery, pending, gets no manual account until the
clock creates the AAF account at 48 h.

An académie of two establishments, its first delivery applied; the tests
run in this order (the last one moves the clock to the second delivery)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from daemon import bootstrap
from daemon.history.account import history
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.access import Role
from events.account import account_id
from events.clock import ManualClock
from events.manual_groups import manual_groups_id
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from projections import account_queries, structure_queries
from tests.api_tokens import WRITTEN, bearer, issue
from tests.integration.conftest import started_establishments

NOW = datetime(2026, 8, 28, 10, tzinfo=timezone.utc)
CALLERS = [(None, "mine", 401), ("reader", "mine", 403), ("etab-admin", "other", 404), ("etab-admin", "mine", 200),
           ("operator", "other", 200)]  # fmt: skip


@dataclass
class World:
    url: str
    ctx: bootstrap.Context
    clock: ManualClock
    server: object
    acad: object
    mine: str
    other: str
    tokens: dict[str, str]

    def active(self, uai: str, n: int) -> list[str]:
        rows = account_queries.accounts(self.ctx.db, uai=uai, state="active", profile="ELEVE", limit=n + 200)
        return [r["jointure"] for r in rows][-n:]

    def person(self, jointure: str) -> dict:
        attrs = json.loads(self.ctx.db.scalar("SELECT attrs FROM accounts WHERE jointure = ?", (jointure,)))
        return {"given_name": attrs["givenName"][0], "family_name": attrs["sn"][0],
                "birth_date": attrs["ENTPersonDateNaissance"][0]}  # fmt: skip

    def events(self, jointure: str) -> list[dict]:
        """The account's stored events (`entsync history`), read from the log."""
        self.ctx.projection.catch_up(self.ctx.log)
        return history(self.ctx.log, jointure)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def world(request, backend, two_establishments, tmp_path_factory):
    acad = two_establishments
    # This module's own copy of a store where the first delivery was applied and
    # its accounts created (conftest.py).
    store_url, _ = started_establishments(
        request, backend, acad, tmp_path_factory.mktemp("admin-writes"), timetables=False
    )
    clock = ManualClock(NOW)
    ctx = bootstrap.build(store_url, Policy(), clock, simulation=True)
    mine, other = [s["uai"] for s in structure_queries.structures(ctx.db)]
    tokens = {
        "operator": issue(ctx, "ops", Role.OPERATOR),
        "reader": issue(ctx, "support-mine", Role.READER, (mine,)),
        "etab-admin": issue(ctx, "admin-mine", Role.ETAB_ADMIN, (mine,)),
    }
    srv = serve(
        "127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(store_url, Policy(), clock), lambda: True,
        failure_limit=10**6,
    )  # fmt: skip
    try:
        yield World(srv.url, ctx, clock, srv, acad, mine, other, tokens)
    finally:
        srv.close()
        ctx.close()


def post(w: World, path: str, caller: str | None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if caller:
        headers.update(bearer(w.tokens[caller]))
    url = w.url + "/api/v1" + path
    req = urllib.request.Request(url, data=json.dumps(body or {}).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def seg(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def audited_404(w: World, name: str, route: str) -> bool:
    gate = w.server._server.config.app.app.state.gate  # the running server's (daemon/http/app.py)
    assert gate.drain()
    rows = w.ctx.access_audit.recent(limit=1000)
    return any((r["token_name"], r["route"], r["status"]) == (name, route, 404) for r in rows)


def test_manual_accounts_by_role_with_the_author_in_the_stored_event(world):
    for i, (caller, where, status) in enumerate(CALLERS):
        body = {"category": "external_tutor", "given_name": "Zéphyrin", "family_name": f"Quaglia-{'abcde'[i]}",
                "birth_date": "1979-03-12", "end": (NOW + timedelta(days=60)).isoformat()}  # fmt: skip
        code, answer = post(world, f"/structures/{getattr(world, where)}/accounts", caller, body)
        assert code == status, answer
        if status == 404:
            assert "Quaglia" not in json.dumps(answer)
            assert audited_404(world, "admin-mine", "/api/v1/structures/{uai}/accounts")
        if status == 200:
            assert (answer["profile"], answer["free_group"], answer["perenne"]) == ("NON_ENSEIGNANT", "Tuteurs", False)
            assert answer["uai"] == getattr(world, where) and answer["end"] and answer["login"].startswith("zephyrin.")
            stored = world.events(answer["jointure"])
            assert stored[0]["event"] == "ManualCreated"
            assert stored[0]["author"] == {"operator": "ops", "etab-admin": "admin-mine"}[caller]


def test_an_etab_admin_may_not_force_the_guard(world):
    body = {"category": "guest", "given_name": "Ana", "family_name": "Force", "birth_date": "01/02/1990",
            "perenne": True, "force": True, "reason": "because"}  # fmt: skip
    code, answer = post(world, f"/structures/{world.mine}/accounts", "etab-admin", body)
    assert (code, answer["error"]["code"]) == (403, "forbidden")
    code, answer = post(world, f"/structures/{world.mine}/accounts", "operator", {**body, "end": "2026-09-01"})
    assert code == 400  # an end date without its offset; and end with perenne is the use case's 409
    code, answer = post(world, f"/structures/{world.mine}/accounts", "operator",
                        {**body, "end": "2027-09-01T00:00:00+02:00"})  # fmt: skip
    assert (code, answer["error"]["code"]) == (409, "end_or_perenne")


def test_the_guard_names_the_account_never_the_person(world):
    theirs = world.active(world.other, 1)[0]
    person = world.person(theirs)
    row = account_queries.find_account(world.ctx.db, theirs)
    body = {"category": "guest", **person, "perenne": True}
    code, answer = post(world, f"/structures/{world.mine}/accounts", "etab-admin", body)
    assert (code, answer["error"]["code"]) == (409, "matches_existing"), answer
    message = answer["error"]["message"]
    assert "exists in another establishment" in message and "can never be merged" in message
    assert str(account_id(theirs)) not in message and "may force" not in message
    code, answer = post(world, f"/structures/{world.other}/accounts", "operator", body)
    assert code == 409
    message = answer["error"]["message"]
    assert f"account {account_id(theirs)} has the same name and birth date and is active" in message
    assert "an operator may force it" in message
    for said in (*person.values(), row["login"], theirs):
        assert said not in message, said
    code, answer = post(world, f"/structures/{world.other}/accounts", "operator",
                        {**body, "force": True, "reason": "AAF account blocked"})  # fmt: skip
    assert code == 200 and answer["overrides"] == [theirs] and answer["author"] == "ops"
    logged = "\n".join(WRITTEN.lines)  # what the project's loggers wrote meanwhile, at every level
    assert not any(said in logged for said in (*person.values(), row["login"]))


def test_free_groups_by_role(world):
    for i, (caller, where, status) in enumerate(CALLERS):
        uai = getattr(world, where)
        groups = f"/structures/{uai}/groups"
        code, answer = post(world, groups, caller, {"code": f"T {i}", "name": "Tuteurs été"})
        assert code == status, answer
        if status != 200:
            continue
        group = f"{groups}/{seg(f'T {i}')}"
        assert post(world, f"{group}/rename", caller, {"name": "Tuteurs d'été"})[1]["name"] == "Tuteurs d'été"
        a, b = world.active(uai, 2)
        code, answer = post(world, f"{group}/members/add", caller, {"accounts": [a, b]})
        assert code == 200 and answer["members"] == [str(account_id(a)), str(account_id(b))], answer
        assert post(world, f"{group}/members/remove", caller, {"accounts": [b]})[0] == 400  # reason required
        assert post(world, f"{group}/members/remove", caller, {"accounts": [b], "reason": "left"})[0] == 200
        assert post(world, f"{group}/delete", caller, {})[0] == 400
        code, answer = post(world, f"{group}/delete", caller, {"reason": "season over"})
        assert code == 200 and answer["members"] == [str(account_id(a))]
        assert post(world, f"{group}/delete", caller, {"reason": "again"})[0] == 404  # no such free group now
        stream = list(world.ctx.log.events.get(manual_groups_id(uai)))
        assert stream[-1].author == {"operator": "ops", "etab-admin": "admin-mine"}[caller]
    mine = f"/structures/{world.mine}/groups"
    for refused in ("TROP-LONG-9", "MÉDIA"):  # §2: at most 8 characters, ASCII letters
        code, answer = post(world, mine, "operator", {"code": refused, "name": "x"})
        assert (code, answer["error"]["code"]) == (409, "malformed_code") and refused not in answer["error"]["message"]
    assert post(world, mine, "operator", {"code": "AGENTS", "name": "Agents"})[0] == 200
    theirs = world.active(world.other, 1)[0]
    code, answer = post(world, f"{mine}/AGENTS/members/add", "etab-admin", {"accounts": [theirs]})
    assert code == 404 and theirs not in json.dumps(answer)  # a member outside its UAIs is a key like any other
    assert audited_404(world, "admin-mine", "/api/v1/structures/{uai}/groups/{code}/members/add")


def test_duplicate_marks_by_role(world):
    for caller, where, status in CALLERS:
        dup, kept = world.active(getattr(world, where), 2)
        code, answer = post(world, f"/accounts/{dup}/duplicate-mark", caller, {"of": kept, "reason": "typed twice"})
        assert code == status, answer
        if status != 200:
            continue
        assert (answer["state"], answer["duplicate_of"]) == ("deactivated", kept)
        author = {"operator": "ops", "etab-admin": "admin-mine"}[caller]
        assert world.events(dup)[-1]["author"] == author
        code, answer = post(world, f"/accounts/{dup}/duplicate-mark", caller, {"of": kept, "reason": "again"})
        assert (code, answer["error"]["code"]) == (409, "already_marked") and dup not in answer["error"]["message"]
        code, answer = post(world, f"/accounts/{dup}/duplicate-unmark", caller, {"reason": "not a duplicate"})
        assert code == 200 and answer["state"] == "active"
        assert world.events(dup)[-1]["author"] == author
    mine, theirs = world.active(world.mine, 1)[0], world.active(world.other, 1)[0]
    code, _ = post(world, f"/accounts/{mine}/duplicate-mark", "etab-admin", {"of": theirs, "reason": "x"})
    assert code == 404  # the account kept outside its UAIs
    assert post(world, f"/accounts/{theirs}/duplicate-unmark", "etab-admin", {"reason": "x"})[0] == 404
    assert post(world, f"/accounts/{theirs}/duplicate-unmark", "reader", {"reason": "x"})[0] == 403


def test_hand_made_members_survive_a_delivery_and_a_pending_person_waits_48h(world):
    uai, groups = world.mine, f"/structures/{world.mine}/groups"
    assert post(world, groups, "etab-admin", {"code": "MEDIA 1", "name": "Médiathèque"})[0] == 200
    churn = world.acad.manifest["churn"]
    staying = set(world.active(uai, 200)) - set(churn["students_left"]) - set(churn["duplicates_removed"])
    staying -= {c[0] for c in churn["class_changes"]}
    members = sorted(staying)[:2]
    code, answer = post(world, f"{groups}/{seg('MEDIA 1')}/members/add", "etab-admin", {"accounts": members})
    assert code == 200, answer

    t1 = datetime.fromisoformat(world.acad.manifest["dates"]["second"]).replace(hour=6, tzinfo=timezone.utc)
    assert ingest(str(world.acad.second), world.ctx, t1).status == "applied"
    world.clock.set(t1 + timedelta(hours=1))
    world.ctx.projection.catch_up(world.ctx.log)
    media = next(c for c in structure_queries.classes(world.ctx.db, uai, members=True) if c["code"] == "MEDIA 1")
    assert (media["kind"], media["name"]) == ("free", "Médiathèque")
    assert [(m["jointure"], m["source"], m["state"]) for m in media["members"]] == [
        (j, "manual", "active") for j in members
    ]

    arrival = account_queries.accounts(world.ctx.db, state="pending", limit=1)[0]
    body = {"category": "guest", **world.person(arrival["jointure"]), "perenne": True}
    code, answer = post(world, f"/structures/{uai}/accounts", "operator", body)
    assert (code, answer["error"]["code"]) == (409, "matches_existing"), answer
    due = datetime.fromisoformat(arrival["creation_due"])
    assert f"is pending, its creation is due at {due.isoformat()}" in answer["error"]["message"]
    assert UUID(answer["error"]["message"].split("account ")[1].split(" ")[0]) == account_id(arrival["jointure"])

    tick(world.ctx, due)
    world.clock.set(due + timedelta(minutes=1))
    assert account_queries.find_account(world.ctx.db, arrival["jointure"])["state"] == "active"
    code, answer = post(world, f"/structures/{uai}/accounts", "operator", body)
    assert code == 409 and "is active" in answer["error"]["message"]
