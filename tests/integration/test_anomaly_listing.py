"""`entsync anomalies` on SQLite and PostgreSQL (issue 15): overdue creations
judged at --now on a replayed simulation store, the --uai, --kind, --since
and --lang filters, the state kinds (a guest account for a person the AAF
carries, teachers and pupils without a class) and the gauges by kind.

The stores are copies of two brought once per backend (prepared_store): the
two establishments' first delivery ingested at T0, then their accounts
created at T_CREATE."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from daemon import bootstrap
from daemon.observability.readings import read
from events.anomaly_kinds import KINDS
from events.policy import Policy
from tests.integration.cli import Cli
from tests.integration.conftest import T0, T_CREATE, prepared_store

GRACE = Policy().overdue_grace
MINUTE = timedelta(minutes=1)


def ingested(request, backend: str, acad, capsys) -> str:
    def start(url: str) -> None:
        cli = Cli(url, capsys)
        assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0, cli.err

    return prepared_store(request, backend, "listing-ingested", start)


def created(request, backend: str, acad, capsys) -> str:
    ingested(request, backend, acad, capsys)  # the base, once per backend

    def start(url: str) -> None:
        cli = Cli(url, capsys)
        assert cli.run("tick", "--now", T_CREATE.isoformat())[0] == 0, cli.err

    from tests.integration.conftest import prepared

    return prepared(request, backend, "listing-created", start, base="listing-ingested")[0]


def jointures(rows: list[dict], kind: str | None = None) -> set[str]:
    return {r["jointure"] for r in rows if kind is None or r["anomaly"] == kind}


def test_overdue_creations_are_judged_at_now_on_a_replayed_store(request, backend, two_establishments, capsys):
    cli = Cli(ingested(request, backend, two_establishments, capsys), capsys)
    pending = cli.json("accounts", "--state", "pending")
    dues = sorted(datetime.fromisoformat(a["creation_due"]) for a in pending)
    withheld = jointures(cli.json("anomalies", "--kind", "not_served"))  # not created on purpose, listed so
    assert dues and withheld < jointures(pending)
    # A simulation store is judged at its last recorded time (T0), not the wall clock: nothing is overdue yet.
    assert cli.json("anomalies", "--kind", "creation_overdue") == []
    assert cli.json("anomalies", "--kind", "creation_overdue", "--now", (dues[0] + GRACE - MINUTE).isoformat()) == []
    late = (dues[-1] + GRACE + MINUTE).isoformat()
    overdue = cli.json("anomalies", "--kind", "creation_overdue", "--now", late)
    assert jointures(overdue) == jointures(pending) - withheld
    assert {r["at"] for r in overdue} == {a["creation_due"] for a in pending if a["jointure"] not in withheld}
    # --since keeps the facts at or after it (an overdue creation's: its due time) and the states.
    since = cli.json("anomalies", "--now", late, "--since", (dues[-1] + MINUTE).isoformat())
    assert "creation_overdue" not in {r["anomaly"] for r in since}
    assert [r for r in since if r["at"] is None] == [r for r in cli.json("anomalies", "--now", late) if r["at"] is None]
    # --as-of alone judges at that time, as before.
    assert jointures(cli.json("anomalies", "--kind", "creation_overdue", "--as-of", late)) == jointures(overdue)


def test_the_filters_and_the_labels(request, backend, two_establishments, capsys):
    cli = Cli(ingested(request, backend, two_establishments, capsys), capsys)
    late = (T_CREATE + timedelta(days=3)).isoformat()
    everything = cli.json("anomalies", "--now", late)
    kinds = Counter(r["anomaly"] for r in everything)
    assert "creation_overdue" in kinds and len(kinds) >= 3
    two = sorted(kinds)[:2]
    by_comma = cli.json("anomalies", "--now", late, "--kind", ",".join(two))
    assert by_comma == cli.json("anomalies", "--now", late, "--kind", two[0], "--kind", two[1])
    assert by_comma == [r for r in everything if r["anomaly"] in two]

    uais = [e["uai"] for e in two_establishments.manifest["establishments"]]
    assert len(uais) == 2
    for uai in uais:
        mine = cli.json("anomalies", "--now", late, "--uai", uai)
        theirs = jointures(cli.json("accounts", "--uai", uai)) | {
            s["jointure"] for s in cli.json("structures") if s["uai"] == uai
        }
        assert mine and jointures(mine) <= theirs
        assert all(r in everything for r in mine)
    assert cli.json("anomalies", "--uai", "0000000A") == []

    for lang in ("fr", "en"):
        for r in cli.json("anomalies", "--now", late, "--lang", lang):
            kind = KINDS[r["anomaly"]]
            assert (r["label"], r["action"]) == (kind.label(lang), kind.action(lang))
    code, out = cli.run("anomalies", "--now", late, "--kind", "creation_overdue", "--lang", "en")
    assert code == 0 and "Account creation overdue" in out and "what to do:\n  creation_overdue: Check" in out

    with pytest.raises(SystemExit) as refused:  # a usage error, before the store is opened
        cli.run("anomalies", "--kind", "creation_overdue,bogus")
    err = capsys.readouterr().err
    assert refused.value.code == 1 and err.count("\n") == 1
    assert err.startswith("entsync: error: anomalies: argument --kind: unknown anomaly kind bogus (known: ")


@pytest.fixture
def guest(request, backend, two_establishments, capsys):
    """The created store, where a guest account was forced for an active AAF teacher."""
    cli = Cli(created(request, backend, two_establishments, capsys), capsys)
    teacher = next(
        a for a in cli.json("accounts", "--profile", "ENSEIGNANT", "--state", "active") if not a["anomalies"]
    )
    detail = cli.json("account", teacher["jointure"])
    attrs, uai = detail["attributes"], detail["structures"][0]["uai"]
    made = cli.json(
        "admin", "create-account", "guest", attrs["givenName"][0], attrs["sn"][0].upper(),
        attrs["ENTPersonDateNaissance"][0], "--uai", uai, "--until", "2026-12-20", "--force-match",
        "--reason", "vacataire arrivé avant l'AAF", "--operator", "alice", "--now", (T_CREATE + MINUTE).isoformat(),
    )  # fmt: skip
    return cli, teacher["jointure"], made["jointure"]


def test_the_state_kinds_and_their_gauges(guest, two_establishments):
    cli, teacher, guest_jointure = guest
    rows = cli.json("anomalies")
    manual = [r for r in rows if r["anomaly"] == "manual_account_of_aaf_person"]
    assert [(r["jointure"], r["state"]) for r in manual] == [(guest_jointure, "active")]
    assert f"the AAF account {teacher} (active)" in manual[0]["detail"]

    # Who no class of the directory lists, read through `entsync classes --members`.
    placed: set[str] = set()
    for e in two_establishments.manifest["establishments"]:
        for c in cli.json("classes", e["uai"], "--members"):
            placed |= {m["jointure"] for m in c["members"]}
    teachers = jointures(cli.json("accounts", "--profile", "ENSEIGNANT", "--state", "active"))
    pupils = jointures(cli.json("accounts", "--profile", "ELEVE", "--state", "active"))
    assert jointures(rows, "teacher_without_classes") == teachers - placed - {guest_jointure} != set()
    assert jointures(rows, "pupil_without_class") == pupils - placed
    for r in rows:
        if r["anomaly"] == "teacher_without_classes":
            assert "AAF: no ENTAuxEnsClasses or ENTAuxEnsGroupes" in r["detail"]
            assert "STS-web: no import applied for" in r["detail"]  # no STS-web export was received

    ctx = bootstrap.build(cli.store_url, Policy())
    try:
        gauges = read(ctx, 0.0).directory_anomalies
    finally:
        ctx.close()
    assert {k: v for k, v in gauges.items() if v} == dict(Counter(r["anomaly"] for r in rows))
    assert set(gauges) == set(KINDS) - {"merge_side_departed", "merged_but_delivered_twice"}  # no merge here
