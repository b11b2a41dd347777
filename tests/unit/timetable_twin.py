"""The timetable-import use cases' given (domain-rules §7, §12): the unit of
work on the in-memory twin with the directory of the real-shape collège
(tests/fixtures/timetable/README.md), recorded as events and folded into the
read model, and the real-shape exports as they arrive."""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

from daemon import bootstrap
from events.account import Account
from events.structure import SourceRecord
from events.usecases.timetable_apply import validate
from events.usecases.timetable_hand_match import match
from events.usecases.timetable_receive import receive

FIX = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIX / "timetable" / "real-shape"
UAI = "0571994H"
T0 = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)  # the AAF directory
T1 = datetime(2026, 8, 28, 8, tzinfo=timezone.utc)  # the first (manual) timetable import
T2 = datetime(2026, 9, 7, 8, tzinfo=timezone.utc)  # the next export, automated

# tests/fixtures/timetable/README.md: the AAF directory beside the real-shape exports.
TEACHERS = (
    ("3000001", "DUPONT", "Marie", "12/04/1975"),
    ("3000002", "MARTIN", "Léa", "03/02/1980"),
    ("3000003", "MARTIN", "Léa", "22/09/1988"),
    ("3000004", "N'GUYEN", "Thi-Lan", "01/06/1979"),
    ("3000005", "LEGRAND-ÉTIENNE", "Paul", "15/01/1970"),
)
STUDENTS = (
    ("1000001", "0712345678K", "300001", "3A"),
    ("1000002", "0712345680M", "300002", "3A"),
    ("1000003", "0712345681N", "300003", "3A"),
    ("1000004", "0712345679L", "300004", "4B"),
    ("1000005", "0712345682P", "300005", "4B"),
    ("1000006", "0712345683R", "300006", "4B"),
)
BY_HAND = (("P1", "3000001"), ("P2", "3000002"), ("P3", "3000004"), ("P4", "3000005"))


def given_directory(uow) -> None:
    structure = {
        "ENTStructureUAI": [UAI],
        "ENTStructureNomCourant": ["CLG-VAL D'ARGENT"],
        "ENTStructureClasses": ["3A$3EME A$10310019110", "4B$4EME B$10210001110"],
        "ENTStructureGroupes": ["ALL2$ALLEMAND LV2$3A$4B", "ESP2$ESPAGNOL LV2$4B"],
    }
    uow.log.save(SourceRecord("4001", "EtabEducNat", structure, "d", "D0", "f.xml", 1, T0))
    for n, (jointure, sn, given, born) in enumerate(TEACHERS):
        attrs = {
            "sn": [sn],
            "givenName": [given],
            "ENTPersonDateNaissance": [born],
            "ENTPersonStructRattach": ["4001"],
            "ENTPersonCategorieEnseignant": ["O"],
            "ENTPersonSTSId": [f"7100{n + 1}"],
        }
        uow.log.save(Account(jointure, "PersEducNat", attrs, "d", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))
    for jointure, ine, eleve_id, klass in STUDENTS:
        attrs = {
            "sn": [f"ELEVE{jointure}"],
            "givenName": ["X"],
            "ENTPersonStructRattach": ["4001"],
            "ENTEleveINE": [ine],
            "ENTEleveStructRattachId": [eleve_id],
            "ENTEleveClasses": [f"4001${klass}"],
        }
        uow.log.save(Account(jointure, "Eleve", attrs, "d", "D0", "f.xml", 1, T0, T0 + timedelta(hours=48)))


def twin(directory: bool = True):
    """The unit of work on the in-memory twin, with the collège's directory or none."""
    uow = bootstrap.build("memory:", simulation=True)
    if directory:
        given_directory(uow)
    return uow


def export(tmp_path: Path, which: str, exported: datetime, name: str = "export_edt_0571994H.xml") -> Path:
    """The export as it arrives: the exporter's modification time is its export date."""
    dest = tmp_path / f"{which}-{exported:%Y%m%d%H%M}" / name
    dest.parent.mkdir(parents=True)
    shutil.copy(REAL / which / "export_edt_0571994H.xml", dest)
    os.utime(dest, (exported.timestamp(), exported.timestamp()))
    return dest


def facts(uow, import_id: str) -> list[str]:
    return [type(e).__name__ for e in uow.log.events.get(UUID(import_id))]


def unmatched_teachers(uow, import_id: str) -> dict[str, list[str]]:
    imp = uow.log.get(UUID(import_id))
    return {m["ident"]: m["candidates"] for m in imp.matches if m["kind"] == "teacher" and not m["key"]}


def awaiting_first(uow, tmp_path: Path) -> str:
    result = receive(export(tmp_path, "export_1", T1 - timedelta(hours=2)), uow, T1)
    assert result.status == "awaiting_validation", result.message
    return result.import_id


def applied_first(uow, tmp_path: Path) -> str:
    iid = awaiting_first(uow, tmp_path)
    for ident, account in BY_HAND:
        match(iid, ident, account, "alice", uow, T1 + timedelta(minutes=5))
    assert validate(iid, "alice", uow, T1 + timedelta(minutes=10), accept_end_date=True).status == "applied"
    return iid


def cut_export(tmp_path: Path) -> Path:
    """export_2 with most of its courses gone."""
    path = export(tmp_path, "export_2", T2 + timedelta(days=6))
    text = path.read_text(encoding="utf-8")
    courses = list(re.finditer(r"    <Cours .*?</Cours>\n", text, re.S))
    path.write_text(text[: courses[0].start()] + courses[0].group(0) + text[courses[-1].end() :], encoding="utf-8")
    return path
