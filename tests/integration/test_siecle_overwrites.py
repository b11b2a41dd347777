"""SIECLE overwrites and swapped guardians through `entsync`, on SQLite and
PostgreSQL (issue 15, domain-rules §5, §11): a generated collège (AAF and
SIECLE, PERSONNE_ID = the guardians' AAF jointures) whose guardian export
is imported again with one guardian retyped as the other parent — one
suspected overwrite, listed without a name, whose confirmation ends the
linked account and opens its next generation — or with the two guardians
of a student exchanged — exactly one guardians_swapped, no overwrite."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from events.account import account_id
from tests.integration.cli import Cli
from tests.integration.conftest import T0, T_CREATE, make_academie

T_SIECLE = T_CREATE + timedelta(hours=1)
T_RETYPED = T_SIECLE + timedelta(days=30)
IDENTITY = (b"LC_CIVILITE", b"NOM_DE_FAMILLE", b"NOM_USAGE", b"PRENOM")


def _person(body: bytes, pid: str) -> tuple[int, int]:
    start = body.index(f'<PERSONNE PERSONNE_ID="{pid}">'.encode())
    return start, body.index(b"</PERSONNE>", start)


def _identity(body: bytes, pid: str) -> dict[bytes, bytes]:
    start, end = _person(body, pid)
    return {t: re.search(b"<%s>([^<]*)</%s>" % (t, t), body[start:end]).group(1) for t in IDENTITY}


def _retyped(body: bytes, pid: str, identity: dict[bytes, bytes]) -> bytes:
    start, end = _person(body, pid)
    record = body[start:end]
    for tag, value in identity.items():
        record = re.sub(b"<%s>[^<]*</%s>" % (tag, tag), b"<%s>%s</%s>" % (tag, value, tag), record)
    return body[:start] + record + body[end:]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("siecle-overwrites")
    academie = make_academie(root / "a", "--students", "30", "--seed", "3", "--sources", "aaf,siecle", "--no-second")
    uai, exports = next(iter(academie.manifest["sources"]["siecle"]["20260818"].items()))
    eleves, responsables = (academie.root / exports[k] for k in ("eleves", "responsables"))
    body = responsables.read_bytes()
    # A student's two legal guardians of different given names: a retyping the rule must catch.
    legal: dict[str, list[str]] = {}
    for eid, pid in re.findall(
        rb"<ELEVE_ID>(\d+)</ELEVE_ID>\s*<PERSONNE_ID>(\d+)</PERSONNE_ID>\s*<NIVEAU_RESPONSABILITE>1<", body
    ):
        legal.setdefault(eid.decode(), []).append(pid.decode())
    eid, (a, b) = next(
        (e, p[:2])
        for e, p in legal.items()
        if len(p) >= 2 and _identity(body, p[0])[b"PRENOM"] != _identity(body, p[1])[b"PRENOM"]
    )
    later = body.replace(b"18/08/2026", b"17/09/2026")

    def export(name: str, content: bytes) -> Path:
        out = root / name / responsables.name
        out.parent.mkdir(parents=True)
        out.write_bytes(content)
        return out

    return {
        "aaf": academie.first,
        "eleves": eleves,
        "responsables": responsables,
        "retyped": export("retyped", _retyped(later, b, _identity(body, a))),  # b retyped as a
        "swapped": export("swapped", _retyped(_retyped(later, a, _identity(body, b)), b, _identity(body, a))),
        "uai": uai,
        "student": eid,
        "a": a,
        "b": b,
        "names": [
            v.decode("iso8859_15") for p in (a, b) for k, v in _identity(body, p).items() if v and k != b"LC_CIVILITE"
        ],
    }


def started(store_url, capsys, files) -> Cli:
    cli = Cli(store_url, capsys)
    for step in (
        ("ingest", str(files["aaf"]), "--now", T0.isoformat()),
        ("tick", "--now", T_CREATE.isoformat()),
        ("ingest", str(files["eleves"]), "--now", T_SIECLE.isoformat()),
        ("ingest", str(files["responsables"]), "--now", (T_SIECLE + timedelta(minutes=1)).isoformat()),
    ):
        code, out = cli.run(*step)
        assert code == 0, (step, out, cli.err)
    return cli


def siecle_anomalies(cli: Cli) -> list[dict]:
    return [a for a in cli.json("anomalies") if a.get("source") == "siecle"]


def test_a_guardian_retyped_as_the_other_parent_is_one_overwrite_whose_confirmation_ends_its_account(
    store_url, capsys, files
):
    cli = started(store_url, capsys, files)
    code, out = cli.run("ingest", str(files["retyped"]), "--now", T_RETYPED.isoformat())
    assert code == 0 and "overwrites_suspected 1" in out, out
    (row,) = siecle_anomalies(cli)
    assert (row["anomaly"], row["uai"], row["record_kind"], row["key"], row["jointure"]) == (
        "suspected_overwrite",
        files["uai"],
        "guardian",
        files["b"],
        files["b"],
    )
    assert ":" in row["detail"] and not any(name in row["detail"] for name in files["names"])
    _, table = cli.run("anomalies")
    assert f"siecle {files['uai']} guardian {files['b']}" in table
    assert not any(name in table for name in files["names"])
    short = row["detail"].split()[0]
    done = cli.json("anomalies", "confirm", short, "--reason", "retyped in SIECLE", "--now", T_RETYPED.isoformat())
    successor = str(account_id(files["b"], 2))
    assert done["effects"]["successor_id"] == successor and done["effects"]["state"] in ("departing", "withdrawn")
    assert cli.json("account", successor)["state"] == "pending"
    assert siecle_anomalies(cli)[0]["decision"] == "confirmed"
    code, out = cli.run("verify")
    assert code == 0, out


def test_two_guardians_exchanged_are_one_swap_and_no_overwrite(store_url, capsys, files):
    cli = started(store_url, capsys, files)
    code, out = cli.run("ingest", str(files["swapped"]), "--now", T_RETYPED.isoformat())
    assert code == 0 and "guardians_swapped 1" in out and "overwrites_suspected" not in out, out
    (row,) = siecle_anomalies(cli)
    assert (row["anomaly"], row["key"], sorted(row["others"])) == (
        "guardians_swapped",
        files["student"],
        sorted([files["a"], files["b"]]),
    )
    assert not any(name in row["detail"] for name in files["names"])
