"""An STS-web INDIVIDU/@ID retyped for another teacher (issue 15, domain-rules
§5) on SQLite and PostgreSQL, through `entsync`: the AAF delivery, the first
STS-web export validated, then the same export with one individual's
names and birth date replaced — one suspected_overwrite of source sts is
listed, naming the STS id, the account holding it, file and line, and no
name or birth date; a rebuild of the read model lists it too."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.integration.cli import Cli
from tests.integration.conftest import T0, Academie, make_academie, prepared_store

T_STS = datetime(2026, 8, 28, 8, 0, tzinfo=timezone.utc)
ENCODING = "iso-8859-15"


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    root = tmp_path_factory.mktemp("sts-academie")
    return make_academie(root, "--students", "200", "--seed", "3", "--sources", "aaf,sts", "--no-second")


def sts_export(acad: Academie) -> Path:
    date = acad.manifest["dates"]["first"]
    return acad.root / next(iter(acad.manifest["sources"]["sts"][date].values()))


def retyped(source: Path, dest: Path) -> tuple[str, list[str]]:
    """``source`` with the first teacher's names and birth date replaced by
    another person's: the STS id and the values that must not be shown."""
    text = source.read_bytes().decode(ENCODING)
    found = next(m for m in re.finditer(r'<INDIVIDU ID="([^"]+)".*?</INDIVIDU>', text, re.S) if ">ENS<" in m.group(0))
    person = found.group(0)
    shown = [re.search(f"<{t}>([^<]*)</{t}>", person).group(1) for t in ("NOM_USAGE", "PRENOM", "DATE_NAISSANCE")]
    for tag, value in (("NOM_USAGE", "VASSEUR"), ("NOM_PATRONYMIQUE", "VASSEUR"), ("PRENOM", "Gwendoline")):
        person = re.sub(f"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", person)
    person = re.sub("<DATE_NAISSANCE>[^<]*</DATE_NAISSANCE>", "<DATE_NAISSANCE>1991-12-24</DATE_NAISSANCE>", person)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes((text[: found.start()] + person + text[found.end() :]).encode(ENCODING))
    return found.group(1), [*shown, "VASSEUR", "Gwendoline", "1991"]


def sts_applied(request, backend: str, acad: Academie, capsys) -> str:
    """The AAF delivery ingested at T0 and the first STS-web export validated."""

    def start(url: str) -> None:
        cli = Cli(url, capsys)
        assert cli.run("ingest", str(acad.first), "--now", T0.isoformat())[0] == 0, cli.err
        code, out = cli.run("ingest", str(sts_export(acad)), "--now", T_STS.isoformat(), "--json")
        first = json.loads(out)
        assert (code, first["status"]) == (2, "awaiting_validation"), first
        at = (T_STS + timedelta(hours=1)).isoformat()
        assert cli.run("imports", "validate", first["import_id"][:8], "--now", at)[0] == 0, cli.err

    return prepared_store(request, backend, "sts-applied", start)


def test_an_individual_retyped_for_another_teacher_is_one_suspected_overwrite(request, backend, acad, capsys, tmp_path):
    cli = Cli(sts_applied(request, backend, acad, capsys), capsys)
    assert cli.json("anomalies", "--kind", "suspected_overwrite") == []
    source = sts_export(acad)
    sts_id, names = retyped(source, tmp_path / "retyped" / source.name)
    second = cli.json(
        "ingest", str(tmp_path / "retyped" / source.name), "--now", (T_STS + timedelta(days=7)).isoformat()
    )
    assert second["status"] == "applied", second
    [row] = cli.json("anomalies", "--kind", "suspected_overwrite")
    assert (row["source"], row["key"], row["record_kind"], row["decision"]) == ("sts", sts_id, "teacher", "open")
    assert row["jointure"] and row["account_id"] and row["file"] == source.name and row["line"] > 0
    code, shown = cli.run("anomalies", "--kind", "suspected_overwrite")
    assert code == 0 and sts_id in shown and row["id"][:8] in shown
    assert not [n for n in names if n in shown or n in str(row)]
    code, verified = cli.run("verify")  # the listing's table is rebuilt from the log as it is
    assert code == 0 and re.search(r"imports\.sts_anomalies +1 ", verified), verified
