"""The incidents of the seeds diagnosed as an operator would, through
`entsync`, on SQLite and PostgreSQL (issue 15, domain-rules §3–6, §11, §12):
each story starts from a copy of one collège's rentrée (diagnosis_world.py)
and asserts what `entsync explain` and `entsync history` say — the rule, the
source (delivery or import, file, line) and the action — besides the
listings. Seed 001's tickets: "détection d'un compte écrasé", a parent who
vanished from the directory (a guardian retyped, two guardians exchanged, a
guardian typed twice), a teacher's account rejected again and again (a guest
account made before the AAF one); seed 003's table: a teacher who does not
see their classes, a pupil removed at Toussaint."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from daemon import bootstrap
from daemon.http.server import serve
from daemon.observability.metrics import Metrics
from events.account import account_id
from events.clock import ManualClock
from events.policy import Policy
from tests.api_tokens import issue
from tests.integration import diagnosis_world as world_
from tests.integration.cli import Cli
from tests.integration.diagnosis_steps import (
    ask,
    facts,
    guardian_overwritten,
    guardian_typed_twice,
    guest_before_the_aaf,
    ingested,
    of_kind,
    rebuilt_from_the_log,
    several_incidents,
)
from tests.integration.diagnosis_world import T_LATER, T_LEAVING, UTC, World

T_DECIDE = T_LATER + timedelta(hours=2)
T_BEFORE_TOUSSAINT = datetime(2026, 10, 1, 6, tzinfo=UTC)
T_AFTER_TOUSSAINT = datetime(2026, 10, 18, 6, tzinfo=UTC)
TOUSSAINT = "2026-10-17"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return world_.build(tmp_path_factory.mktemp("diagnosis"))


@pytest.fixture
def cli(request, backend, world, capsys) -> Cli:
    return world_.rentree(request, backend, world, capsys)


def test_a_guardian_retyped_in_siecle_is_explained_and_its_confirmation_opens_a_new_account(cli, world):
    row = guardian_overwritten(cli, world)
    assert (row["source"], row["uai"], row["record_kind"], row["key"], row["jointure"], row["decision"]) == (
        "siecle", world.uai, "guardian", world.b, world.b, "open"
    )  # fmt: skip
    assert row["file"] == world.responsables.name and row["line"] > 0
    assert datetime.fromisoformat(row["at"]) == T_LATER  # a fact, which --since keeps from its time only
    assert of_kind(cli, "suspected_overwrite") == cli.json("anomalies", "--kind", "suspected_overwrite", "--since",
                                                            T_LATER.isoformat())  # fmt: skip
    assert cli.json("anomalies", "--kind", "suspected_overwrite", "--since", T_DECIDE.isoformat()) == []
    assert not [n for n in world.names if n in json.dumps(row, ensure_ascii=False)]
    short, where = row["id"][:8], f"{row['file']}:{row['line']}"
    (changed,) = facts(cli, world.b, "SiecleGuardian.Changed")
    (suspected,) = facts(cli, world.b, "SiecleGuardian.OverwriteSuspected")
    import_id = suspected["import_id"]
    assert (suspected["source"], suspected["file"], suspected["line"]) == ("siecle", row["file"], row["line"])
    assert changed["import_id"] == import_id and changed["line"] == row["line"]
    assert {"family_name", "given_name"} <= set(changed["changes"])  # before -> after: who it was, who it is
    code, text = cli.run("history", world.b)
    assert code == 0
    assert (
        f"SiecleGuardian.OverwriteSuspected {world.uai} {world.b} import_id={import_id} file={where.replace(':', ' line=')}"
        in text
    )

    code, text = cli.run("explain", world.b)
    assert code == 0 and "état « actif »" in text
    assert (
        f"Anomalie « Compte écrasé suspecté » (suspected_overwrite) : {short} open: siecle {world.uai} guardian" in text
    )
    assert f"{where} (import {import_id})" in text
    assert f"Décider : entsync anomalies confirm {short} ou entsync anomalies dismiss {short}." in text
    assert (
        "Comparer avec entsync history, puis confirmer (nouveau compte pour la nouvelle personne) ou écarter." in text
    )

    code, out = cli.run("anomalies", "confirm", short, "--reason", "fiche ressaisie pour l'autre parent",
                        "--operator", "alice", "--now", T_DECIDE.isoformat())  # fmt: skip
    old, new = str(account_id(world.b)), str(account_id(world.b, 2))
    assert code == 0 and f"anomaly {short} (suspected_overwrite) confirmed" in out, cli.err
    assert f"account {old}: departing, removal due" in out and f"new account {new} (generation 2): pending" in out
    departed = cli.json("account", old)
    assert departed["state"] == "departing" and departed["removal_due"] and departed["login"]
    assert cli.json("account", world.b)["account_id"] == new
    history = cli.json("history", world.b)
    (confirmed,) = [f for f in history if f["event"] == "OverwriteConfirmed"]
    assert (confirmed["source"], confirmed["author"], confirmed["generation"]) == ("admin", "alice", 1)
    assert confirmed["anomaly_id"] == row["id"] and confirmed["successor_id"] == new
    (left,) = [f for f in history if f["event"] == "Departed"]
    assert (left["reason"], left["generation"], left["transition"]["after"]) == (
        "overwrite_confirmed", 1, "departing"
    )  # fmt: skip
    (opened,) = [f for f in history if f["event"] == "SuccessorOpened"]
    assert (opened["generation"], opened["anomaly_id"], opened["transition"]["after"]) == (2, row["id"], "pending")
    assert (opened["file"], opened["line"]) == (row["file"], row["line"])

    code, text = cli.run("explain", world.b)
    assert code == 0 and "état « en attente de création »" in text and "pas encore d'identifiant" in text
    assert "C'est le compte n°2 de cette jointure depuis le " in text and f"anomalie {short})" in text
    found = cli.json("explain", old, "--lang", "en")
    assert (found["state"], found["generation"], found["why"]["rule"]) == ("departing", 1, "overwrite_confirmed")
    assert found["why"]["removal_due"] == departed["removal_due"]
    why = " ".join(found["sentences"]["why"])
    assert f"anomaly {short}" in why and new in why and "account n°2" not in why
    code, text = cli.run("explain", old)  # in French: the decision said, no "confirm or dismiss" left to do
    assert code == 0 and f"[id {short}, décision : confirmée]" in text
    assert f"confirm {short}" not in text and "puis confirmer (nouveau compte" not in text
    # The two generations are two persons an operator told apart, not a suspected duplicate.
    generations = [
        a
        for a in of_kind(cli, "suspected_duplicate")
        if {a["jointure"].split("#")[0], a["other"].split("#")[0]} == {world.b}
    ]
    assert generations == []
    assert [r["decision"] for r in of_kind(cli, "suspected_overwrite")] == ["confirmed"]


def test_the_successor_of_a_siecle_overwrite_does_not_carry_the_previous_holders_identity(cli, world):
    short = guardian_overwritten(cli, world)["id"][:8]
    code = cli.run("anomalies", "confirm", short, "--reason", "fiche ressaisie", "--now", T_DECIDE.isoformat())[0]
    assert code == 0, cli.err
    old, new = (cli.json("account", str(account_id(world.b, n)))["attributes"] for n in (1, 2))
    assert [new.get(k) for k in ("sn", "givenName", "mail")] != [old.get(k) for k in ("sn", "givenName", "mail")]
    other = cli.json("account", world.a)["attributes"]  # b was retyped as the other parent, a
    assert [new.get(k) for k in ("personalTitle", "givenName")] == [
        other.get(k) for k in ("personalTitle", "givenName")
    ]
    assert old.get("mail") and new.get("mail", []) != old["mail"]  # SIECLE's e-mail or none, never the previous one
    (opened,) = facts(cli, world.b, "SuccessorOpened")
    assert opened["identity_source"] == "siecle"

    # The tick creates the successor with a login of its own, from the new names.
    cli.run("tick", "--now", (T_DECIDE + timedelta(days=3)).isoformat())
    logins = [cli.json("account", str(account_id(world.b, n)))["login"] for n in (1, 2)]
    assert all(logins) and not logins[1].startswith(logins[0]), logins

    # The AAF delivers the new person under the jointure: applied as to any account, not flagged again.
    person = {**new, **{k: other[k] for k in ("personalTitle", "sn", "givenName", "ENTPersonNomPatro") if k in other}}
    person["mail"] = ["nouvelle.adresse@example.org"]
    delta = world_.aaf_delta(world.root / "delta-successor", "20260921", {
        "PersRelEleve": [world_.aaf_record("PersRelEleve", world.b, person)],
    })  # fmt: skip
    out = ingested(cli, delta, T_DECIDE + timedelta(days=4))
    assert "overwrites_suspected" not in out, out
    assert [r["decision"] for r in of_kind(cli, "suspected_overwrite")] == ["confirmed"]
    now = cli.json("account", world.b)
    assert (now["account_id"], now["attributes"]["mail"], now["login"]) == (
        str(account_id(world.b, 2)), ["nouvelle.adresse@example.org"], logins[1]
    )  # fmt: skip


def test_two_guardians_exchanged_in_siecle_are_one_swap(cli, world):
    out = ingested(cli, world_.guardians_exchanged(world), T_LATER)
    assert "guardians_swapped 1" in out and "overwrites_suspected" not in out, out
    assert of_kind(cli, "suspected_overwrite") == []
    (swap,) = of_kind(cli, "guardians_swapped")
    assert (swap["source"], swap["key"], sorted(swap["others"])) == (
        "siecle",
        world.student,
        sorted([world.a, world.b]),
    )
    short = swap["id"][:8]
    for guardian in (world.a, world.b):
        (swapped,) = facts(cli, guardian, "SiecleGuardian.Swapped")
        assert swapped["import_id"] and swapped["file"] == world.responsables.name and swapped["line"] > 0
        assert facts(cli, guardian, "SiecleGuardian.OverwriteSuspected") == []
        code, text = cli.run("explain", guardian)
        assert code == 0 and f"Anomalie « Responsables intervertis » (guardians_swapped) : {short} open" in text
        assert f"guardians {' and '.join(sorted([world.a, world.b]))} exchanged identities" in text
        assert "Vérifier les deux fiches avec l'établissement, puis confirmer l'échange ou l'écarter." in text
        assert "Compte écrasé" not in text


def test_a_guardian_typed_twice_for_two_siblings_is_one_scored_duplicate_until_dismissed(cli, world):
    copy = guardian_typed_twice(cli, world)
    (pair,) = [p for p in cli.json("duplicates") if set(p["jointures"]) == {world.a, copy}]
    assert pair["score"] >= 0.9 and pair["decision"] == "open" and "siblings" in pair["reasons"]
    (listed,) = [a for a in of_kind(cli, "suspected_duplicate") if {a["jointure"], a["other"]} == {world.a, copy}]
    assert listed["id"].replace("-", "").startswith(pair["id"].replace("-", "")[:8])
    code, text = cli.run("explain", copy)
    assert code == 0 and f"Anomalie « Doublon suspecté » (suspected_duplicate) : {pair['id'][:8]} open: score" in text
    assert "Vérifier avec l'établissement s'il s'agit d'une même personne ; confirmer (doublon) ou écarter." in text
    (appeared,) = facts(cli, copy, "Appeared")
    assert appeared["source"] == "aaf" and appeared["file"] == "ENTACAD_Delta_20260917_PersRelEleve_0000.xml"
    assert appeared["line"] > 0 and appeared["changes"]["mail"]["after"] == ["une.autre.adresse@example.org"]

    code, out = cli.run("anomalies", "dismiss", pair["id"][:8], "--reason", "deux personnes",
                        "--now", T_DECIDE.isoformat())  # fmt: skip
    assert code == 0 and "(suspected_duplicate) dismissed" in out, cli.err
    assert not [a for a in of_kind(cli, "suspected_duplicate") if copy in (a["jointure"], a["other"])]
    code, text = cli.run("explain", copy)
    assert code == 0 and "Doublon suspecté" not in text


def test_a_guest_account_made_before_the_aaf_teacher_is_listed_and_explained(cli, world):
    guest, teacher = guest_before_the_aaf(cli, world)
    (row,) = of_kind(cli, "manual_account_of_aaf_person")
    assert row["jointure"] == guest and f"the AAF account {teacher} (pending)" in row["detail"]
    assert f"entsync admin merge {teacher} {guest}" in row["detail"]
    code, text = cli.run("explain", guest)
    assert code == 0 and "Compte manuel créé le " in text and "par bob (contractuelle arrivée avant l'AAF)" in text
    assert "(manual_account_of_aaf_person)" in text and f"merge {teacher} {guest}" in text
    found = cli.json("explain", guest, "--lang", "en")
    assert "manual_account_of_aaf_person" in [a["code"] for a in found["anomalies"]]
    code, text = cli.run("explain", teacher)
    assert (
        code == 0 and "Apparu dans la livraison AAF " in text and "ENTACAD_Delta_20260918_PersEducNat_0000.xml:" in text
    )
    (created,) = facts(cli, guest, "ManualCreated")
    assert (created["source"], created["author"]) == ("admin", "bob")


def test_a_student_leaving_in_june_departs_with_its_source_and_is_removed_at_toussaint(cli, world):
    export, eleve_id = world_.leaving_in_june(world)
    out = ingested(cli, export, T_LEAVING)
    assert "event_LeavingDateSet 1" in out
    (student,) = cli.json("accounts", "--state", "departing")
    jointure = student["jointure"]
    found = cli.json("explain", jointure, "--now", T_BEFORE_TOUSSAINT.isoformat())
    why = found["why"]
    assert (found["state"], why["rule"], why["left_on"], why["removal_basis"]) == (
        "departing", "siecle_leaving_date", "2026-06-30", "toussaint"
    )  # fmt: skip
    assert datetime.fromisoformat(why["removal_due"]) == datetime.fromisoformat(f"{TOUSSAINT}T00:00:00+02:00")
    assert why["file"] == world.eleves.name
    code, text = cli.run("explain", jointure, "--now", T_BEFORE_TOUSSAINT.isoformat())
    assert code == 0 and f"Date de sortie SIECLE 2026-06-30 (import {why['import_id']}, {world.eleves.name})" in text
    assert f"Suppression prévue le {TOUSSAINT} 00:00:00 CEST : premières vacances de Toussaint après le départ" in text
    assert f"faire corriger la source (AAF ou SIECLE) avant le {TOUSSAINT}" in text

    code, out = cli.run("tick", "--now", T_AFTER_TOUSSAINT.isoformat())
    assert code == 0 and f"remove  {jointure}" in out and "toussaint" in out, out
    history = cli.json("history", jointure)
    (left,) = [f for f in history if f["event"] == "SiecleStudent.LeavingDateSet"]
    assert (left["key"], left["import_id"], left["file"]) == (eleve_id, why["import_id"], world.eleves.name)
    (declared,) = [f for f in history if f["event"] == "DepartureDeclared"]
    assert declared["source"] == "siecle" and declared["transition"] == {"before": "active", "after": "departing"}
    assert declared["cause"]["import_id"] == why["import_id"] and declared["cause"]["left_on"] == "2026-06-30"
    assert history[-1]["event"] == "Removed" and (history[-1]["source"], history[-1]["reason"]) == (
        "clock",
        "toussaint",
    )
    assert history[-1]["transition"] == {"before": "departing", "after": "removed"}
    code, text = cli.run("history", jointure)
    assert code == 0 and "because SiecleStudent.LeavingDateSet left_on=2026-06-30" in text
    assert "clock   departing -> removed" in text and "Removed reason=toussaint" in text
    code, text = cli.run("explain", jointure)
    assert code == 0 and "état « supprimé »" in text and "(toussaint)" in text


def test_a_teacher_whose_sts_service_was_missing_is_told_which_source_lacks(cli, world):
    (row,) = [r for r in of_kind(cli, "teacher_without_classes") if r["jointure"] == world.teacher]
    assert f"STS-web: no service in the last applied import of {world.uai}" in row["detail"]
    assert "AAF: no ENTAuxEnsClasses or ENTAuxEnsGroupes" in row["detail"]
    code, text = cli.run("explain", world.teacher)
    assert code == 0 and "aucune classe" in text
    assert "Anomalie « Enseignant sans classe » (teacher_without_classes)" in text
    assert f"STS-web: no service in the last applied import of {world.uai}" in text
    assert "Vérifier la source nommée : service STS-web, cours de l'emploi du temps, classes de l'AAF." in text
    found = cli.json("explain", world.teacher, "--lang", "en")
    assert any("STS-web: no service" in a for a in found["sentences"]["actions"])
    sts = [f for f in cli.json("history", world.teacher) if f["source"] == "timetable"]
    assert sts and all(f.get("file") == world.sts.name for f in sts if f.get("file"))


def test_the_anomalies_are_the_same_after_a_rebuild_from_the_log(cli, world):
    several_incidents(cli, world)
    now = (T_LATER + timedelta(days=5)).isoformat()
    before = cli.json("anomalies", "--now", now)
    assert {
        "suspected_overwrite",
        "suspected_duplicate",
        "manual_account_of_aaf_person",
        "teacher_without_classes",
    } <= {r["anomaly"] for r in before}
    code, out = cli.run("verify")
    assert code == 0, out
    rebuilt_from_the_log(cli.store_url)
    after = cli.json("anomalies", "--now", now)
    assert [r for r in before if r not in after] == [] and after == before


def test_the_api_diagnoses_what_the_cli_does(cli, world):
    keys = several_incidents(cli, world)
    now = T_LATER + timedelta(days=5)
    ctx = bootstrap.build(cli.store_url, Policy())
    try:
        token = issue(ctx, "support", "etab-admin", (world.uai,))
    finally:
        ctx.close()
    server = serve("127.0.0.1:0", Metrics(CollectorRegistry(), version="test"),
                   lambda: bootstrap.build(cli.store_url, Policy(), ManualClock(now)), lambda: True)  # fmt: skip
    at = now.isoformat().replace("+", "%2B")
    try:
        for key in keys.values():
            status, body = ask(server.url, f"/api/v1/accounts/{key}/explanation?lang=fr&now={at}", token)
            assert status == 200 and body == cli.json("explain", key, "--now", now.isoformat()), key
            status, body = ask(server.url, f"/api/v1/accounts/{key}/history", token)
            assert status == 200 and body["facts"] == cli.json("history", key), key
        status, body = ask(server.url, f"/api/v1/anomalies?now={at}", token)
        listed = body["anomalies"] if isinstance(body, dict) else body
        seen = {(r["anomaly"], r["jointure"], r.get("id")) for r in listed}
        assert status == 200 and seen == {
            (r["anomaly"], r["jointure"], r.get("id")) for r in cli.json("anomalies", "--now", now.isoformat())
        }
    finally:
        server.close()
