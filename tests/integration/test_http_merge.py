# ruff: noqa: F811 (the fixtures imported from test_http_access are parameters of the tests)
"""A merge of two accounts of one person and its undoing through the API
(issue 14), on SQLite and PostgreSQL: POST /api/v1/accounts/{key}/merge and
/unmerge by role and scope — 401 without a token, 403 for a reader, 404 for
an etab-admin when either account lies outside its UAIs, 200 otherwise —
the dry run recording nothing, the merge recorded with the token's name as
its author, a second merge refused (409, the accounts named by id only),
the absorbed account's key answering the survivor while merged and itself
again after the unmerge. The académie of tests/integration/test_http_access.py."""

from __future__ import annotations

from events.merge import AccountMerge, merge_id
from projections import account_queries
from tests.api_tokens import bearer
from tests.integration.test_http_access import ask, backend, world  # noqa: F401 (fixtures)
from tests.integration.test_http_actions import post


def students(w, uai: str, n: int) -> list[dict]:
    rows = account_queries.accounts(w.ctx.db, uai=uai, state="active", profile="ELEVE", limit=50)
    return [r for r in rows if "attachments" not in r and "merged_from" not in r][:n]


def merges(w, absorbed_id: str) -> list:
    return [
        e
        for e in w.ctx.log.events.get(merge_id(absorbed_id))
        if isinstance(e, (AccountMerge.AccountsMerged, AccountMerge.AccountsUnmerged))
    ]


def test_a_merge_previewed_recorded_refused_read_and_taken_back(world):
    survivor, absorbed = students(world, world.mine, 2)
    (elsewhere,) = students(world, world.other, 1)
    s_key, a_key = survivor["jointure"], absorbed["login"]
    body = {"absorbed": a_key, "reason": "one pupil, two accounts"}
    path, undo = f"/api/v1/accounts/{s_key}/merge", f"/api/v1/accounts/{a_key}/unmerge"
    assert post(world, path, None, body)[0] == 401
    assert post(world, path, "reader", body)[0] == 403
    # Either side outside the etab-admin's UAIs: not found, as for a key that does not exist.
    code, _, answer = post(world, path, "etab-admin", {**body, "absorbed": elsewhere["jointure"]})
    assert code == 404 and answer["error"]["code"] == "not_found", answer
    code, _, answer = post(world, f"/api/v1/accounts/{elsewhere['jointure']}/merge", "etab-admin", body)
    assert code == 404 and answer["error"]["code"] == "not_found", answer
    assert post(world, path, "etab-admin", {**body, "prefer": {"login": "absorbed"}})[0] == 400
    assert post(world, path, "etab-admin", {"absorbed": a_key})[0] == 400  # no reason
    assert post(world, undo, "etab-admin", {"reason": "x"})[0] == 409  # not merged

    before = world.ctx.log.max_position()
    code, _, shown = post(world, path, "etab-admin", {**body, "dry_run": True, "prefer": {"given_name": "absorbed"}})
    assert code == 200, shown
    assert world.ctx.log.max_position() == before and merges(world, absorbed["account_id"]) == []
    assert (shown["status"], shown["survivor_id"], shown["absorbed_id"], shown["alias"]) == (
        "preview", survivor["account_id"], absorbed["account_id"], absorbed["login"],
    )  # fmt: skip
    assert shown["decisions"] == {d["field"]: d["chosen"] for d in shown["disagreements"]}
    assert shown["decisions"]["given_name"] == "absorbed"
    assert {survivor["login"], absorbed["login"]} <= set(shown["logins"])

    code, _, done = post(world, path, "etab-admin", {**body, "prefer": {"given_name": "absorbed"}})
    assert code == 200 and (done["status"], done["author"]) == ("merged", "admin-mine"), done
    (merged,) = merges(world, absorbed["account_id"])
    assert isinstance(merged, AccountMerge.AccountsMerged)
    assert (merged.survivor_id, merged.absorbed_id, merged.alias, merged.author, merged.reason) == (
        survivor["account_id"], absorbed["account_id"], absorbed["login"], "admin-mine", body["reason"],
    )  # fmt: skip
    assert merged.decisions == done["decisions"] and merged.decisions["given_name"] == "absorbed"

    # A second merge is refused, the accounts named by their ids only.
    code, _, answer = post(world, path, "operator", body)
    assert code == 409 and answer["error"]["code"] == "already_absorbed", answer
    message = answer["error"]["message"]
    for value in (absorbed["login"], absorbed["jointure"], survivor["login"], survivor["jointure"]):
        assert value not in message, message
    assert absorbed["account_id"] in message

    # While merged, any key of the absorbed account answers the survivor.
    operator = bearer(world.tokens["operator"])
    for key in (absorbed["jointure"], absorbed["login"], absorbed["account_id"]):
        code, _, read = ask(world.url, f"/api/v1/accounts/{key}", operator)
        assert code == 200 and read["account_id"] == survivor["account_id"], (key, read)
    assert [m["jointure"] for m in read["merged_from"]] == [absorbed["jointure"]]

    assert post(world, undo, "reader", {"reason": "x"})[0] == 403
    code, _, shown = post(world, undo, "etab-admin", {"reason": "two people after all", "dry_run": True})
    assert code == 200 and shown["status"] == "preview", shown
    assert len(merges(world, absorbed["account_id"])) == 1
    code, _, done = post(world, undo, "etab-admin", {"reason": "two people after all"})
    assert code == 200, done
    assert (done["status"], done["survivor_id"], done["absorbed_id"], done["alias"], done["author"]) == (
        "unmerged", survivor["account_id"], absorbed["account_id"], absorbed["login"], "admin-mine",
    )  # fmt: skip
    merged, unmerged = merges(world, absorbed["account_id"])
    assert isinstance(unmerged, AccountMerge.AccountsUnmerged) and unmerged.author == "admin-mine"
    code, _, read = ask(world.url, f"/api/v1/accounts/{absorbed['login']}", operator)
    assert code == 200 and read["account_id"] == absorbed["account_id"] and not read.get("merged_from"), read
    code, _, answer = post(world, undo, "operator", {"reason": "again"})
    assert (
        code == 409 and answer["error"]["code"] == "not_merged" and absorbed["login"] not in answer["error"]["message"]
    )


def test_the_operator_merges_accounts_of_any_establishment(world):
    (mine,) = students(world, world.mine, 1)
    (other,) = students(world, world.other, 1)
    path = f"/api/v1/accounts/{mine['account_id']}/merge"
    body = {"absorbed": other["jointure"], "reason": "moved, typed twice"}
    code, _, done = post(world, path, "operator", body)
    assert code == 200 and (done["status"], done["author"]) == ("merged", "ops"), done
    assert set(done["uais"]) == {world.mine, world.other}
    # The etab-admin of one of the two establishments cannot take it back: the other side is not its.
    code, _, answer = post(world, f"/api/v1/accounts/{mine['jointure']}/unmerge", "etab-admin", {"reason": "x"})
    assert code == 404 and answer["error"]["code"] == "not_found", answer
    code, _, done = post(world, f"/api/v1/accounts/{mine['jointure']}/unmerge", "operator", {"reason": "undo"})
    assert code == 200 and done["status"] == "unmerged" and done["author"] == "ops", done
