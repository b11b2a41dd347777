"""An STS-web INDIVIDU/@ID retyped for another person (issue 15, domain-rules
§5) on the in-memory twin: the first import records who each individual is
and flags nothing, a corrected typo is not an overwrite, another person is
— listed as suspected_overwrite of source sts, without names — and
confirming it replaces the AAF account holding that STS id."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from events.account import Account
from events.usecases.anomaly_review import ConfirmAnomaly, DismissAnomaly, confirm, dismiss
from events.usecases.timetable_apply import validate
from events.usecases.timetable_receive import receive
from projections.anomaly_queries import anomalies
from tests.unit.timetable_twin import FIX, T0, T1, T2, facts, twin

STS = FIX / "sts" / "sts_emp_0571994H_2026.xml"
HOLDER = "3000041"  # the AAF account carrying ENTPersonSTSId 4101


def retyped(
    tmp_path: Path, name: str, family: str, given: str, born: str, grade: str = "CERT. CN", ident: str = "4101"
) -> Path:
    """The fixture export with INDIVIDU ``ident``'s names and birth date replaced."""
    text = STS.read_bytes().decode("iso-8859-15")
    head, rest = text.split(f'<INDIVIDU ID="{ident}"', 1)
    person, tail = rest.split("</INDIVIDU>", 1)
    for tag, value in (("NOM_USAGE", family), ("NOM_PATRONYMIQUE", family), ("PRENOM", given), ("GRADE", grade)):
        person = re.sub(f"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", person)
    person = re.sub("<DATE_NAISSANCE>[^<]*</DATE_NAISSANCE>", f"<DATE_NAISSANCE>{born}</DATE_NAISSANCE>", person)
    path = tmp_path / name / STS.name
    path.parent.mkdir()
    path.write_bytes((head + f'<INDIVIDU ID="{ident}"' + person + "</INDIVIDU>" + tail).encode("iso-8859-15"))
    return path


@pytest.fixture
def uow():
    ctx = twin()
    attrs = {
        "sn": ["CŒURDEROY"],
        "givenName": ["Jean-Noël"],
        "ENTPersonDateNaissance": ["14/03/1975"],
        "ENTPersonStructRattach": ["4001"],
        "ENTPersonSTSId": ["4101"],
    }
    ctx.log.save(Account(HOLDER, "PersEducNat", attrs, "d", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))
    yield ctx
    ctx.close()


def applied(uow, path: Path, when) -> str:
    result = receive(path, uow, when)
    if result.status == "awaiting_validation":
        result = validate(result.import_id, "alice", uow, when + timedelta(minutes=5))
    assert result.status == "applied", result.message
    return result.import_id


def suspected(uow) -> list[dict]:
    rows = anomalies(uow.db, T2 + timedelta(days=1), timedelta(hours=1), kinds={"suspected_overwrite"})
    return [r for r in rows if r["source"] == "sts"]


def test_the_first_import_records_the_identities_and_flags_nothing(uow):
    iid = applied(uow, STS, T1)
    assert facts(uow, iid) == ["Received", "StaffIdentitiesRecorded", "AwaitingValidation", "Validated", "Applied"]
    staff = uow.log.get(UUID(iid)).staff
    assert set(staff) == {"4101", "4102", "90001", "4103"}
    assert staff["4101"]["given_name"] == "Jean-Noël" and staff["4101"]["birth_date"] == "1975-03-14"
    assert staff["90001"]["birth_date"] == ""  # a local individual without one: unknown, not an error
    assert suspected(uow) == []


def test_a_corrected_typo_is_not_an_overwrite(uow, tmp_path):
    applied(uow, STS, T1)
    iid = applied(uow, retyped(tmp_path, "typo", "COEURDEROI", "Jean-Noel", "1975-03-14"), T2)
    assert "StsOverwriteSuspected" not in facts(uow, iid)
    assert suspected(uow) == []


def test_another_person_retyped_over_the_id_is_listed_and_confirmed(uow, tmp_path):
    applied(uow, STS, T1)
    iid = applied(uow, retyped(tmp_path, "other", "DURAND", "Sophie", "1990-05-06"), T2)
    assert facts(uow, iid)[-2:] == ["StsOverwriteSuspected", "Applied"]  # in the application's save
    [row] = suspected(uow)
    assert (row["key"], row["uai"], row["jointure"], row["decision"]) == ("4101", "0571994H", HOLDER, "open")
    assert row["file"] == STS.name and row["line"] > 0
    assert not any(n in str(row) for n in ("DURAND", "Sophie", "1990", "URDEROY", "Jean"))
    # The next export, the same person again, is not flagged a second time.
    applied(uow, retyped(tmp_path, "again", "DURAND", "Sophie", "1990-05-06", "AGREGE"), T2 + timedelta(days=1))
    assert len(suspected(uow)) == 1
    decided = confirm(ConfirmAnomaly(row["id"][:8], "alice", "retyped in STS-web"), uow, T2 + timedelta(days=2))
    assert decided.effects["source"] == "sts" and decided.effects["key"] == "4101"
    old = uow.log.get(UUID(row["account_id"]))
    assert old.successor_id and decided.effects["account_id"] == str(old.id)
    assert [r["decision"] for r in suspected(uow)] == ["confirmed"]
    # The successor opens with the person STS-web now describes, not the AAF's previous holder.
    new = uow.log.get(UUID(old.successor_id))
    assert {k: new.attrs.get(k) for k in ("sn", "givenName", "ENTPersonDateNaissance", "ENTPersonSTSId")} == {
        "sn": ["DURAND"],
        "givenName": ["Sophie"],
        "ENTPersonDateNaissance": ["06/05/1990"],
        "ENTPersonSTSId": ["4101"],
    }
    (opened, *_) = uow.log.events.get(new.id)
    assert opened.identity_source == "sts"


def test_a_dismissed_sts_overwrite_leaves_the_account_as_it_was(uow, tmp_path):
    applied(uow, STS, T1)
    applied(uow, retyped(tmp_path, "other", "DURAND", "Sophie", "1990-05-06"), T2)
    [row] = suspected(uow)
    decided = dismiss(DismissAnomaly(row["id"], "alice", "a replacement teacher, told"), uow, T2 + timedelta(days=1))
    assert (decided.decision, decided.effects["source"], decided.effects["key"]) == ("dismissed", "sts", "4101")
    assert not uow.log.get(UUID(row["account_id"])).successor_id
    assert [r["decision"] for r in suspected(uow)] == ["dismissed"]


def test_an_individual_no_account_holds_is_confirmed_as_a_record_only(uow, tmp_path):
    applied(uow, STS, T1)
    applied(uow, retyped(tmp_path, "other", "BERNARD", "Hugo", "", ident="90001"), T2)
    [row] = suspected(uow)
    assert (row["key"], row["jointure"], row["account_id"]) == ("90001", "", "")
    decided = confirm(ConfirmAnomaly(row["id"], "alice", "retyped in STS-web"), uow, T2 + timedelta(days=1))
    assert (decided.effects["source"], decided.effects["account_id"]) == ("sts", None)
