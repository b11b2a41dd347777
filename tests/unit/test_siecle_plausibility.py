"""Implausible values in SIECLE exports (domain-rules §12), on small
exports written here: the field is set aside (empty in the record, listed in
``set_aside`` with file, line, key and field), the record kept, and rejected
only when neither family name nor first name remains."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.siecle import read_export
from events.siecle_rules import digest, student_values

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<{root} VERSION="2.7"><PARAMETRES><UAJ>0693834T</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE>
<DATE_EXPORT>25/06/2026</DATE_EXPORT><HORODATAGE></HORODATAGE></PARAMETRES><DONNEES>
"""
STUDENT = """<ELEVES><ELEVE ELEVE_ID="650001">
<ID_NATIONAL>0701234567K</ID_NATIONAL>{fields}<CODE_SEXE>1</CODE_SEXE></ELEVE></ELEVES>
</DONNEES></BEE_ELEVES>"""
GOOD = {"NOM_DE_FAMILLE": "Rousseau", "PRENOM": "Inès", "DATE_NAISS": "02/03/2010"}
LONG = "Rousseau-" * 500


def eleves(tmp_path: Path, **changes: str):
    values = {**GOOD, **changes}
    fields = "".join(f"<{tag}>{value}</{tag}>" for tag, value in values.items())
    path = tmp_path / "ElevesSansAdresses.xml"
    path.write_text(HEADER.format(root="BEE_ELEVES") + STUDENT.format(fields=fields), encoding="utf-8")
    return read_export(path)


@pytest.mark.parametrize(
    "changes, field, reason, key, kept",
    [
        ({"NOM_DE_FAMILLE": "   "}, "NOM_DE_FAMILLE", "name_blank", "family_name", ""),
        ({"PRENOM": LONG}, "PRENOM", "name_too_long", "given_name", ""),
        ({"PRENOM": "In&#9;ès"}, "PRENOM", "name_control_characters", "given_name", ""),
        ({"NOM_DE_FAMILLE": "Rous&#x200B;seau"}, "NOM_DE_FAMILLE", "name_invisible_characters", "family_name", ""),
        ({"NOM_USAGE": "Rous&#xFEFF;seau"}, "NOM_USAGE", "name_invisible_characters", "usage_name", ""),
        ({"PRENOM2": "  "}, "PRENOM2", "name_blank", "given_name2", ""),
        ({"DATE_NAISS": "26/06/2026"}, "DATE_NAISS", "birth_date_in_future", "birth_date", None),
        ({"DATE_NAISS": "01/01/1850"}, "DATE_NAISS", "birth_date_before_1900", "birth_date", None),
    ],
)
def test_a_student_field_is_set_aside_and_the_student_kept(tmp_path, changes, field, reason, key, kept):
    export = eleves(tmp_path, **changes)
    assert export.rejections == ()
    (student,) = export.students
    assert getattr(student, key) == kept
    assert [(s.reason, s.record_id, s.field, s.file) for s in export.set_aside] == [
        (reason, "650001", field, "ElevesSansAdresses.xml")
    ]
    assert export.set_aside[0].line == student.line
    text = export.set_aside[0].describe()
    assert not any(v in text for v in ("Rousseau", "Inès", "26/06/2026", "1850"))


def test_a_birth_on_the_export_day_is_plausible(tmp_path):
    export = eleves(tmp_path, DATE_NAISS="25/06/2026")
    assert export.set_aside == () and export.students[0].birth_date == date(2026, 6, 25)


@pytest.mark.parametrize(
    "changes, reason, field",
    [
        ({"NOM_DE_FAMILLE": " ", "PRENOM": LONG}, "no_usable_name", "NOM_DE_FAMILLE,PRENOM"),
        ({"PRENOM": ""}, "missing_field", "PRENOM"),  # empty: a fiche incomplète (domain-rules §5)
    ],
)
def test_a_student_without_a_usable_name_is_rejected(tmp_path, changes, reason, field):
    export = eleves(tmp_path, **changes)
    assert export.students == () and export.set_aside == ()
    assert [(r.reason, r.field, r.record_id) for r in export.rejections] == [(reason, field, "650001")]


def test_the_digest_of_kept_values_does_not_hold_the_value_set_aside(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bad = eleves(tmp_path / "a", NOM_DE_FAMILLE="Rous&#x200B;seau").students[0]
    blanked = eleves(tmp_path / "b", NOM_DE_FAMILLE="   ").students[0]
    assert student_values(bad)["family_name"] == ""
    assert digest(b"p", student_values(bad)) == digest(b"p", student_values(blanked))


PERSONS = """<PERSONNES><PERSONNE PERSONNE_ID="900001"><LC_CIVILITE>MME</LC_CIVILITE>{fields}</PERSONNE></PERSONNES>
</DONNEES></BEE_RESPONSABLES>"""


def responsables(tmp_path: Path, **fields: str):
    body = "".join(
        f"<{tag}>{value}</{tag}>" for tag, value in {"NOM_DE_FAMILLE": "Dupont", "PRENOM": "Alice", **fields}.items()
    )
    path = tmp_path / "ResponsablesAvecAdresses.xml"
    path.write_text(HEADER.format(root="BEE_RESPONSABLES") + PERSONS.format(fields=body), encoding="utf-8")
    return read_export(path)


@pytest.mark.parametrize(
    "fields, field, reason",
    [
        ({"PRENOM": "Ali&#x200B;ce"}, "PRENOM", "name_invisible_characters"),  # was invalid_name: now set aside
        ({"NOM_DE_FAMILLE": "Du&#10;pont"}, "NOM_DE_FAMILLE", "name_control_characters"),
        ({"NOM_USAGE": "X" * 300}, "NOM_USAGE", "name_too_long"),
        ({"PRENOM": " "}, "PRENOM", "name_blank"),
    ],
)
def test_a_guardian_name_is_set_aside_and_the_guardian_kept(tmp_path, fields, field, reason):
    export = responsables(tmp_path, **fields)
    assert export.rejections == ()
    assert [g.personne_id for g in export.guardians] == ["900001"]
    assert [(s.reason, s.field, s.record_id) for s in export.set_aside] == [(reason, field, "900001")]


@pytest.mark.parametrize(
    "fields, reasons",
    [
        ({"NOM_DE_FAMILLE": " ", "PRENOM": "\u200b"}, [("no_usable_name", "NOM_DE_FAMILLE,PRENOM")]),
        ({"PRENOM": "Alice2"}, [("invalid_name", "PRENOM")]),  # the input masks judge what is kept
        ({"PRENOM": "Alice2", "NOM_DE_FAMILLE": "\u200b"}, [("invalid_name", "PRENOM")]),
    ],
)
def test_a_guardian_is_rejected_for_its_masks_or_no_usable_name(tmp_path, fields, reasons):
    export = responsables(tmp_path, **fields)
    assert export.guardians == () and export.set_aside == ()
    assert [(r.reason, r.field) for r in export.rejections] == reasons
