"""Listing the parts of an AAF delivery whose files are named off the
convention (formats §1: names vary more than the convention; each record
names its category, so a well-formed ficAlimMENESR file is never ignored for
its name alone)."""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from adapters.aaf.files import discover
from adapters.errors import DeliveryRejected

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "aaf"
ETAB = (FIX / "ent-no-uai" / "ENT_Complet_20260818_EtabEducNat_0000.xml").read_bytes()
ELEVES = (FIX / "ent-no-uai" / "ENT_Complet_20260818_Eleve_0000.xml").read_bytes()
SUBJECTS = (FIX / "ent-no-uai" / "ENT_Complet_20260818_MatEducNat_0000.xml").read_bytes()
VE2407 = (FIX / "no-convention" / "eleves_1.xml").read_bytes()  # dateGenerationExport 02/09/2026


def delivery(tmp_path: Path, files: dict[str, bytes]) -> Path:
    target = tmp_path / "delivery"
    target.mkdir(parents=True)
    for name, content in files.items():
        (target / name).write_bytes(content)
    return target


# --------------------------------------------------------------------------- what a name says


@pytest.mark.parametrize(
    "name, kind, date, prefix, part",
    [
        # the convention, and the real variants it already matches
        ("ENT_0571994H_Complet_20260818_Eleve_0000.xml", "complete", "20260818", "ENT_0571994H", 0),
        ("FULL_AAFNM_Complet_20260818_Eleve_0000.xml", "complete", "20260818", "FULL_AAFNM", 0),
        ("ENT_Complet_20260818_Eleve_0000.xml", "complete", "20260818", "ENT", 0),
        ("ENT2DVA-ENT16_Complet_20260818_Eleve_0000.xml", "complete", "20260818", "ENT2DVA-ENT16", 0),
        # off the convention
        ("ENT_0571994H_Complet_20260818_Eleve_0000.XML", "complete", "20260818", "ENT_0571994H", 0),
        ("ENT_Complet_20260818_Eleves_0000.xml", "complete", "20260818", "ENT", 0),  # category spelled otherwise
        ("ENT_Complet_20260818_Eleve_1.xml", "complete", "20260818", "ENT", 1),
        ("ENT_Complet_20260818103000_Eleve_00001.xml", "complete", "20260818", "ENT", 1),  # a time after the date
        ("ENT_Complet_20260818_0630_Eleve.xml", "complete", "20260818", "ENT", -1),  # no part number: unnumbered
        ("ENT-DELTA-20260819-eleves.xml", "delta", "20260819", "ENT", -1),
        ("Complet_eleves.xml", "complete", "", "", -1),
        # no Complet token: never complete (domain-rules §12)
        ("FULL_AAFNM_20260818_Eleve_0000.xml", "delta", "20260818", "", 0),
        ("ENT_Completes_20260818_Eleve.xml", "delta", "20260818", "", -1),
        ("eleves.xml", "delta", "", "", -1),
        ("ENT_Eleve_20260818.xml", "delta", "20260818", "", -1),  # a trailing date is no part number
    ],
)
def test_what_the_name_says(tmp_path, name, kind, date, prefix, part):
    files = discover(delivery(tmp_path, {name: ELEVES}))
    assert (files.kind, files.date, files.prefix) == (kind, date, prefix)
    assert [(p.name, p.category, p.part) for p in files.parts] == [(name, "Eleve", part)]
    assert files.missing_parts() == {}


def test_the_category_comes_from_the_content(tmp_path):
    files = discover(FIX / "ent-no-uai")  # subjects named by their operational value, MatEducNat
    assert files.categories() == ["EtabEducNat", "MatiereEducNat", "Eleve", "PersRelEleve", "PersEducNat"]
    assert (files.kind, files.date, files.prefix, files.uai) == ("complete", "20260818", "ENT", None)
    odd = discover(delivery(tmp_path, {"structures.xml": ETAB, "matieres.xml": SUBJECTS, "eleves.xml": ELEVES}))
    assert {p.name: p.category for p in odd.parts} == {
        "structures.xml": "EtabEducNat",
        "matieres.xml": "MatiereEducNat",
        "eleves.xml": "Eleve",
    }


def test_the_fixtures_named_off_the_convention(tmp_path):
    full = discover(FIX / "full-source")
    assert (full.kind, full.date, full.prefix) == ("complete", "20260818", "FULL_AAFNM")
    assert [(p.category, p.part) for c in full.categories() for p in full.parts_of(c)] == [
        ("EtabEducNat", 0),
        ("Eleve", 0),
        ("PersEducNat", 1),
    ]
    free = discover(FIX / "no-convention")
    assert (free.kind, free.date, free.prefix, free.uai) == ("delta", "20260902", "", None)
    assert [p.name for c in free.categories() for p in free.parts_of(c)] == [
        "etablissement.xml",
        "eleves_1.xml",
        "eleves_2.xml",
    ]  # lisezmoi.txt and parametres.xml skipped


def test_a_name_with_a_per_establishment_prefix_keeps_its_uai(tmp_path):
    files = discover(delivery(tmp_path, {"ENT_0571994H_Complet_eleves.xml": ELEVES}))
    assert (files.kind, files.prefix, files.uai, files.date) == ("complete", "ENT_0571994H", "0571994H", "")


# --------------------------------------------------------------------------- what is skipped, what rejects


def test_what_is_no_aaf_part_is_skipped(tmp_path):
    files = discover(
        delivery(
            tmp_path,
            {
                "eleves.xml": ELEVES,
                "readme.xml": b"<readme>ne pas lire</readme>",
                "notes.xml": b"pas du XML\x00",
                "vide.xml": b"",
                "ficAlimMENESR.dtd": b"<!ELEMENT ficAlimMENESR ANY>",
                "LISEZMOI.txt": b"texte",
            },
        )
    )
    assert [p.name for p in files.parts] == ["eleves.xml"]


def test_a_file_without_records_is_left_out(tmp_path):
    # It names no category and carries nothing to apply.
    files = discover(delivery(tmp_path, {"eleves.xml": ELEVES, "vide.xml": b"<ficAlimMENESR/>"}))
    assert [p.name for p in files.parts] == ["eleves.xml"]
    with pytest.raises(DeliveryRejected) as err:
        discover(delivery(tmp_path / "x", {"vide.xml": b"<?xml version='1.0'?>\n<ficAlimMENESR>\n</ficAlimMENESR>"}))
    assert err.value.reason == "no_aaf_files"


@pytest.mark.parametrize(
    "files, reason",
    [
        # A ficAlimMENESR file broken before its first record is an AAF part, broken: rejected.
        (
            {"eleves.xml": b"<ficAlimMENESR>\n<addRequest><operationalAttributes><attr name='x'></addRequest>"},
            "malformed_xml",
        ),
        ({"stagiaires.xml": ELEVES.replace(b"<value>Eleve</value>", b"<value>Stagiaire</value>")}, "unknown_category"),
        (
            {
                "eleves.xml": ELEVES.replace(b"<operationalAttributes>", b"<x>").replace(
                    b"</operationalAttributes>", b"</x>"
                )
            },
            "unknown_category",
        ),
        # a name by the convention with a category that is none, whatever the content
        ({"ENT_Complet_20260818_Stagiaire_0000.xml": b"<ficAlimMENESR/>"}, "unknown_category"),
        ({"ENT_Complet_20260818_Eleve_0000.xml": ELEVES, "eleves_2.xml": ELEVES}, "mixed_delivery"),  # kinds
        ({"ENT_Complet_20260818_Eleve_0000.xml": ELEVES, "ENT_Complet_Eleve_1.xml": ELEVES}, "mixed_delivery"),  # dates
        ({"eleves_1.xml": ELEVES, "Eleves_1.XML": ELEVES}, "duplicate_part"),
    ],
)
def test_what_rejects(tmp_path, files, reason):
    with pytest.raises(DeliveryRejected) as err:
        discover(delivery(tmp_path, files))
    assert err.value.reason == reason and err.value.message


def test_mixed_kinds_say_why(tmp_path):
    with pytest.raises(DeliveryRejected) as err:
        discover(delivery(tmp_path, {"ENT_Complet_20260818_Eleve_0000.xml": ELEVES, "eleves_2.xml": ELEVES}))
    assert "does not say Complet" in err.value.message


# --------------------------------------------------------------------------- dates and part order


def test_the_header_date_when_the_name_has_none(tmp_path):
    assert discover(delivery(tmp_path, {"eleves.xml": VE2407})).date == "20260902"
    named = discover(delivery(tmp_path / "n", {"eleves_20260901.xml": VE2407}))
    assert named.date == "20260901"  # the name's date first


def test_parts_in_number_order_then_name_order(tmp_path):
    files = discover(delivery(tmp_path, {"eleves_10.xml": ELEVES, "eleves_2.xml": ELEVES, "eleves_1.xml": ELEVES}))
    assert [p.name for p in files.parts_of("Eleve")] == ["eleves_1.xml", "eleves_2.xml", "eleves_10.xml"]
    assert files.missing_parts() == {"Eleve": list(range(3, 10))}
    unnumbered = discover(delivery(tmp_path / "u", {"eleves-b.xml": ELEVES, "eleves-a.xml": ELEVES}))
    assert [p.name for p in unnumbered.parts_of("Eleve")] == ["eleves-a.xml", "eleves-b.xml"]
    assert unnumbered.missing_parts() == {}  # an unnumbered part can be missed by no one


@pytest.mark.parametrize(
    "names, missing",
    [
        (["eleves_1.xml", "eleves_2.xml"], {}),  # numbered from 1, off the convention
        (["eleves_0.xml", "eleves_2.xml"], {"Eleve": [1]}),
        (["eleves_2.xml", "eleves_3.xml"], {"Eleve": [1]}),
        (["ENT_Complet_20260818_Eleve_0001.XML"], {"Eleve": [0]}),  # NNNN: counted from 0000
        (["ENT_Complet_20260818_Eleve_0000.xml", "ENT_Complet_20260818_Eleve_0002.xml"], {"Eleve": [1]}),
    ],
)
def test_missing_parts_of_numbered_parts(tmp_path, names, missing):
    assert discover(delivery(tmp_path, {n: ELEVES for n in names})).missing_parts() == missing


# --------------------------------------------------------------------------- archives


def test_zip_and_tgz_named_off_the_convention(tmp_path):
    src = FIX / "no-convention"
    archive = tmp_path / "annuaire.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(src.iterdir()):
            zf.write(f, f"export/{f.name}")
    tgz = tmp_path / "annuaire.tgz"
    with tarfile.open(tgz, "w:gz") as tf:
        for f in sorted(src.iterdir()):
            tf.add(f, f.name)
    single = tmp_path / "eleves.xml"
    shutil.copy(src / "eleves_2.xml", single)
    for path in (archive, tgz):
        files = discover(path)
        assert (files.kind, files.date, files.categories()) == ("delta", "20260902", ["EtabEducNat", "Eleve"])
        assert files.fingerprint == discover(src).fingerprint
    assert [(p.category, p.part) for p in discover(single).parts] == [("Eleve", -1)]
