"""An operator's decision on a suspected overwrite (issue 15), on SQLite and
PostgreSQL through `entsync`: an AAF delivery retypes a student's record for
another person; `entsync anomalies` lists the suspected overwrite with its
short id; confirming it makes the account depart with its notice and opens
a new account (another id, its own login) for the person the record now
describes, which a later delivery changes alone; dismissing it, with the
suspension option on, gives the same account back. `entsync verify` is
equal after each."""

from __future__ import annotations

from datetime import timedelta

from events.account import account_id
from tests.integration.cli import Cli, year_started
from tests.integration.conftest import T1
from tests.integration.test_overwrites import _retype

T_DECIDE = T1 + timedelta(hours=2)
T_CREATED = T1 + timedelta(hours=49)
T_LATER = T1 + timedelta(days=3)


def started(request, backend, academie, capsys):
    url = year_started(request, backend, academie.first, capsys, "review-started")
    return Cli(url, capsys)


def victim_of(academie) -> str:
    return next(
        j
        for j in academie.manifest["deliveries"]["20260818-complet"]["jointures"]["Eleve"]
        if j not in academie.manifest["churn"]["students_left"]
        and j not in {d for pair in academie.manifest["duplicates"] for d in pair}
    )


def overwritten(cli: Cli, academie, tmp_path, *options: str) -> tuple[str, dict]:
    """The second delivery, with the victim's record retyped for another person, ingested at T1."""
    victim = victim_of(academie)
    _retype(academie.second, tmp_path / "retyped", victim, "Zeller", "Octave", "02/02/2012")
    code = cli.run(*options, "ingest", str(tmp_path / "retyped"), "--now", T1.isoformat())[0]
    assert code in (0, 3), cli.err
    return victim, cli.json("account", victim)


def listed(cli: Cli, victim: str) -> list[dict]:
    return [a for a in cli.json("anomalies") if a["anomaly"] == "suspected_overwrite" and victim in a["jointure"]]


def test_a_confirmed_overwrite_opens_a_new_account(request, backend, academie, capsys, tmp_path):
    cli = started(request, backend, academie, capsys)
    victim, before = overwritten(cli, academie, tmp_path)
    (anomaly,) = listed(cli, victim)
    short = anomaly["detail"].split()[0]
    assert len(short) == 8 and anomaly["id"].replace("-", "").startswith(short) and anomaly["decision"] == "open"
    done = cli.json(
        "anomalies",
        "confirm",
        short,
        "--reason",
        "fiche ressaisie",
        "--operator",
        "alice",
        "--now",
        T_DECIDE.isoformat(),
    )
    assert (done["decision"], done["author"]) == ("confirmed", "alice")
    old_id, new_id = str(account_id(victim)), str(account_id(victim, 2))
    assert done["effects"]["successor_id"] == new_id
    old, new = cli.json("account", old_id), cli.json("account", victim)
    assert (old["state"], old["login"]) == ("departing", before["login"]) and old["removal_due"]
    assert cli.json("account", before["login"])["state"] == "departing"  # the old login still finds it
    assert new["state"] == "pending" and new["login"] in ("", None)
    assert [a["decision"] for a in listed(cli, victim)] == ["confirmed"]
    assert cli.run("anomalies", "dismiss", short, "--reason", "non", "--now", T_DECIDE.isoformat())[0] == 1
    assert "already confirmed by alice" in cli.err
    assert cli.run("tick", "--now", T_CREATED.isoformat())[0] == 0, cli.err
    created = cli.json("account", victim)
    assert created["state"] == "active" and created["login"] not in ("", before["login"])
    # A later delivery (a corrected typo of the new person's name) changes the new account only.
    _retype(academie.second, tmp_path / "later", victim, "Zeler", "Octave", "02/02/2012")
    assert cli.run("ingest", str(tmp_path / "later"), "--now", T_LATER.isoformat())[0] in (0, 3), cli.err
    facts = cli.json("history", victim)
    ended = [(f["generation"], f["event"]) for f in facts if f["generation"] == 1]
    assert ended[-2:] == [(1, "OverwriteConfirmed"), (1, "Departed")]
    assert (2, "Changed") in [(f["generation"], f["event"]) for f in facts]
    assert cli.run("verify")[0] == 0, cli.err


def test_a_dismissed_overwrite_resumes_the_suspended_account(request, backend, academie, capsys, tmp_path):
    config = tmp_path / "entsync.toml"
    config.write_text("[policy]\nsuspend_on_overwrite = true\n")
    cli = started(request, backend, academie, capsys)
    victim, before = overwritten(cli, academie, tmp_path, "--config", str(config))
    assert before["state"] == "suspended"
    (anomaly,) = listed(cli, victim)
    done = cli.json("anomalies", "dismiss", anomaly["id"], "--reason", "même élève", "--now", T_DECIDE.isoformat())
    assert done["effects"]["state"] == "active"
    after = cli.json("account", victim)
    assert (after["state"], after["login"]) == ("active", before["login"])
    assert cli.json("account", str(account_id(victim)))["jointure"] == victim
    assert [a["decision"] for a in listed(cli, victim)] == ["dismissed"]
    assert cli.run("verify")[0] == 0, cli.err
