"""The SIECLE/BEE reader on hand-written fixtures (formats §2, domain-rules
§2, §5, §11), without any database.

Expected lines are found on the fixtures' raw bytes and personal values by a
plain lxml parse, independently of the reader (see tests/fixtures/siecle/README.md).
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import etree

import adapters.siecle.parser as siecle_parser
from adapters.errors import DeliveryRejected
from adapters.siecle import (
    ElevesExport,
    ResponsablesExport,
    SiecleAddress,
    SiecleGuardian,
    SiecleHeader,
    SiecleLink,
    SiecleStudent,
    read_eleves,
    read_export,
    read_responsables,
    sniff_root,
)

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "siecle"
ELEVES = FIX / "ElevesSansAdresses.xml"
ELEVES_ZIP = FIX / "ElevesSansAdresses.zip"
REJETS = FIX / "rejets" / "ElevesSansAdresses.xml"
RESP = FIX / "ResponsablesAvecAdresses.xml"
RESP_OLD = FIX / "avant-2018" / "ResponsablesAvecAdresses.xml"
REFUS = FIX / "refus"
PERSONAL_TAGS = {
    "NOM_DE_FAMILLE",
    "NOM",
    "NOM_USAGE",
    "PRENOM",
    "PRENOM2",
    "PRENOM3",
    "ID_NATIONAL",
    "DATE_NAISS",
    "MEL",
    "TEL_PERSONNEL",
    "TEL_PORTABLE",
    "TEL_PROFESSIONNEL",
}


# --------------------------------------------------------------------------- helpers


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` occurrence of ``needle`` in the raw file
    (needles are ASCII, so any of the fixtures' encodings will do)."""
    seen = 0
    for i, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if needle.encode() in line:
            seen += 1
            if seen == nth:
                return i
    raise AssertionError(f"{needle!r} #{nth} not in {path}")


def personal_values(path: Path) -> dict[str, set[str]]:
    """Record id → the personal values of every record carrying it (names,
    INE, birth date, contact data), by a whole-tree parse of the file."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    out: dict[str, set[str]] = {}
    for rec in tree.iter("ELEVE", "PERSONNE"):
        key = (rec.get("ELEVE_ID") or rec.get("PERSONNE_ID") or "").strip()
        values = {(c.text or "").strip() for c in rec if c.tag in PERSONAL_TAGS}
        out.setdefault(key, set()).update(v for v in values if v)
    return out


@pytest.fixture(scope="module")
def eleves() -> ElevesExport:
    return read_eleves(ELEVES)


@pytest.fixture(scope="module")
def rejets() -> ElevesExport:
    return read_eleves(REJETS)


@pytest.fixture(scope="module")
def resp() -> ResponsablesExport:
    return read_responsables(RESP)


@pytest.fixture(scope="module")
def resp_old() -> ResponsablesExport:
    return read_responsables(RESP_OLD)


def students(export: ElevesExport) -> dict[str, SiecleStudent]:
    return {s.eleve_id: s for s in export.students}


# --------------------------------------------------------------------------- header


@pytest.mark.parametrize(
    "path, header",
    [
        (
            ELEVES,
            SiecleHeader(
                root="BEE_ELEVES",
                version="3.1",
                uai="0693834T",
                school_year=2025,
                exported_on=date(2026, 4, 2),
                exported_at=datetime(2026, 4, 2, 7, 45, 12),
            ),
        ),
        (
            REJETS,
            SiecleHeader(
                root="BEE_ELEVES",
                version="2.7",
                uai="0693834T",
                school_year=2026,
                exported_on=date(2026, 6, 25),
                exported_at=None,
            ),
        ),
        (
            RESP,
            SiecleHeader(
                root="BEE_RESPONSABLES",
                version="3.1",
                uai="0693834T",
                school_year=2025,
                exported_on=date(2026, 4, 2),
                exported_at=datetime(2026, 4, 2, 7, 46, 3),
            ),
        ),
        (
            RESP_OLD,
            SiecleHeader(
                root="BEE_RESPONSABLES",
                version="1.2",
                uai="0693834T",
                school_year=2016,
                exported_on=date(2016, 9, 5),
                exported_at=datetime(2016, 9, 5, 18, 2),
            ),
        ),
    ],
)
def test_header_is_read_from_parametres(path, header):
    assert read_export(path).header == header


def test_read_export_dispatches_on_the_root():
    assert type(read_export(ELEVES)) is ElevesExport
    assert type(read_export(RESP)) is ResponsablesExport


# --------------------------------------------------------------------------- students


def test_normal_student_is_decoded_trimmed_and_joined_to_its_structures(eleves):
    assert students(eleves)["650001"] == SiecleStudent(
        eleve_id="650001",
        elenoet="1201",
        ine="0701234567K",
        family_name="Cœur de Lion",
        usage_name="Cœur",
        given_name="Jean-Baptiste",
        given_name2="Noël",
        given_name3="",
        birth_date=date(2011, 5, 14),
        sex="M",
        entered_on=date(2022, 9, 1),
        left_on=None,
        leaving_reason="",
        regime="2",
        status="ST",
        mef="10310019110",
        division="3 A",
        groups=("ALL2", "LAT_3"),
        options=("030201", "020700"),
        previous_uai="0691234Z",
        line=line_of(ELEVES, 'ELEVE_ID="650001" ELENOET'),
    )


def test_only_valid_students_are_kept_in_file_order(eleves, rejets):
    assert [s.eleve_id for s in eleves.students] == ["650001", "650002", "650003"]
    assert [s.eleve_id for s in rejets.students] == ["660001"]


@pytest.mark.parametrize(
    "eleve_id, family_name, given_name, sex",
    [
        ("650001", "Cœur de Lion", "Jean-Baptiste", "M"),  # raw 0xBD in ISO-8859-15, padded
        ("650002", "D'Arco", "Zoé", "F"),
        ("650003", "Le Bœuf", "Anne-Sophie", "F"),
    ],
)
def test_student_names_keep_oe_apostrophes_and_hyphens(eleves, eleve_id, family_name, given_name, sex):
    s = students(eleves)[eleve_id]
    assert (s.family_name, s.given_name, s.sex) == (family_name, given_name, sex)


def test_old_files_name_the_family_name_nom(rejets):
    s = students(rejets)["660001"]
    assert (s.family_name, s.given_name, s.division) == ("L'Hôpital", "Gaël", "2NDE1")


@pytest.mark.parametrize(
    "eleve_id, entered_on, left_on, leaving_reason",
    [
        ("650001", date(2022, 9, 1), None, ""),  # 31/12/9999: no end
        ("650002", date(2023, 9, 1), date(2026, 2, 13), "DM"),  # past: gone, yet not rejected
        ("650003", date(2025, 9, 1), date(2026, 4, 24), ""),  # future: present until then
    ],
)
def test_leaving_dates_are_carried_not_judged(eleves, eleve_id, entered_on, left_on, leaving_reason):
    s = students(eleves)[eleve_id]
    assert (s.entered_on, s.left_on, s.leaving_reason) == (entered_on, left_on, leaving_reason)


@pytest.mark.parametrize(
    "eleve_id, division, groups, options",
    [
        ("650001", "3 A", ("ALL2", "LAT_3"), ("030201", "020700")),
        ("650002", "3 B", (), ()),
        ("650003", None, ("ESP2",), ()),  # no D structure: in no class
    ],
)
def test_structures_and_options_are_joined_by_eleve_id(eleves, eleve_id, division, groups, options):
    s = students(eleves)[eleve_id]
    assert (s.division, s.groups, s.options) == (division, groups, options)


def test_zipped_export_reads_exactly_like_the_plain_file(eleves):
    assert read_export(ELEVES_ZIP) == eleves
    assert read_eleves(ELEVES_ZIP).rejections[0].file == "ElevesSansAdresses.xml"


# --------------------------------------------------------------------------- record rejections

STRUCTURE_OF = "<CODE_STRUCTURE>{}"
EXPECTED_REJECTIONS = {
    ELEVES: [
        ("missing_ine", "650004", "ID_NATIONAL", 'ELEVE_ID="650004"', 1, 0),
        ("missing_field", "650005", "DATE_NAISS", 'ELEVE_ID="650005"', 1, 0),
        ("duplicate_ine", "650006", "ID_NATIONAL", 'ELEVE_ID="650006"', 1, 0),
        ("duplicate_structures", "650007", "STRUCTURES_ELEVE", 'STRUCTURES_ELEVE ELEVE_ID="650007"', 2, 0),
        ("invalid_code", "650008", "CODE_STRUCTURE", STRUCTURE_OF.format("3EMEEURO1"), 1, -1),
    ],
    REJETS: [
        ("several_divisions", "660002", "TYPE_STRUCTURE", 'STRUCTURES_ELEVE ELEVE_ID="660002"', 1, 0),
        ("invalid_date", "660003", "DATE_ENTREE", 'ELEVE_ID="660003"', 1, 0),
        ("missing_field", "660004", "CODE_SEXE", 'ELEVE_ID="660004"', 1, 0),
        ("invalid_ine", "660005", "ID_NATIONAL", 'ELEVE_ID="660005"', 1, 0),
        ("invalid_code", "660006", "CODE_STRUCTURE", STRUCTURE_OF.format("ALL/2"), 1, -1),
        ("invalid_value", "660007", "CODE_SEXE", 'ELEVE_ID="660007"', 1, 0),
        ("missing_field", "660008", "PRENOM", 'ELEVE_ID="660008"', 1, 0),
        ("missing_identifier", "", "ELEVE_ID", "<ELEVE>", 1, 0),
        ("duplicate_id", "660001", "ELEVE_ID", 'ELEVE_ID="660001"', 2, 0),
        ("unknown_student", "669999", "ELEVE_ID", 'ELEVE_ID="669999"', 1, 0),
    ],
    RESP: [
        ("invalid_name", "900006", "NOM_DE_FAMILLE", 'PERSONNE_ID="900006"', 1, 0),
        ("invalid_link", "900099", "PERSONNE_ID", "<PERSONNE_ID>900099", 1, -2),
        ("invalid_link", "900004", "NIVEAU_RESPONSABILITE", "<NIVEAU_RESPONSABILITE>4", 1, -3),
        ("duplicate_link", "900001", "PERSONNE_ID", "<PERSONNE_ID>900001", 3, -2),
    ],
    RESP_OLD: [
        ("invalid_link", "910003", "RESP_LEGAL", "<RESP_LEGAL>7", 1, -3),
    ],
}


@pytest.mark.parametrize("path", list(EXPECTED_REJECTIONS), ids=lambda p: str(p.relative_to(FIX)))
def test_each_rejection_names_reason_file_line_record_and_field(path):
    """(reason, record id, field, needle, nth occurrence, line offset from the
    needle's line to the record's start)."""
    got = {(r.reason, r.file, r.line, r.record_id, r.field) for r in read_export(path).rejections}
    expected = {
        (reason, path.name, line_of(path, needle, nth) + offset, rid, field)
        for reason, rid, field, needle, nth, offset in EXPECTED_REJECTIONS[path]
    }
    assert got == expected


@pytest.mark.parametrize("path", list(EXPECTED_REJECTIONS), ids=lambda p: str(p.relative_to(FIX)))
def test_rejection_messages_carry_no_personal_value(path):
    rejections = read_export(path).rejections
    values = personal_values(path)
    assert rejections
    for r in rejections:
        assert r.message
        personal = values.get(r.record_id, set())
        if r.record_id and r.reason not in ("invalid_link", "duplicate_link", "unknown_student"):
            assert personal, f"no personal value found for {r.record_id}: the check would be empty"
        text = r.describe()
        leaked = [v for v in personal if v in text]
        assert not leaked, f"{r.reason} of {r.record_id} shows a personal value"


def test_the_first_holder_of_a_duplicated_ine_is_kept(eleves):
    assert students(eleves)["650001"].ine == "0701234567K"
    assert "650006" not in students(eleves)


def test_records_are_kept_or_rejected_whole(eleves, rejets):
    """A student rejected for any reason (structures included) is absent; a
    repeated ELEVE_ID rejects the later record and keeps the first."""
    for export in (eleves, rejets):
        rejected = {r.record_id for r in export.rejections if r.reason != "duplicate_id"}
        assert rejected and not rejected & set(students(export))
    first = students(rejets)["660001"]
    assert (first.family_name, first.line) == ("L'Hôpital", line_of(REJETS, 'ELEVE_ID="660001"'))


# --------------------------------------------------------------------------- guardians


@pytest.mark.parametrize(
    "personne_id, civility, family_name, given_name",
    [
        ("900001", "MME", "Cœur de Lion", "Hélène"),  # UTF-8 with BOM
        ("900002", "M.", "Cœur de Lion", "Jean-Marc"),
        ("900003", "MME", "D'Arco", "Marie-Thérèse"),
        ("900005", "M.", "M. MME MANENTE", "Guy Et Yvette"),  # couple typed as one: valid here
        ("900007", "M.", "BATTISTUTA", "Tino & Suzanne"),
    ],
)
def test_guardian_names_are_decoded_and_couples_are_not_rejected(resp, personne_id, civility, family_name, given_name):
    g = {g.personne_id: g for g in resp.guardians}[personne_id]
    assert (g.civility, g.family_name, g.given_name) == (civility, family_name, given_name)


def test_guardian_record_carries_contact_data(resp):
    assert resp.guardians[0] == SiecleGuardian(
        personne_id="900001",
        civility="MME",
        family_name="Cœur de Lion",
        usage_name="Cœur",
        given_name="Hélène",
        phone_home="+33478000001",
        phone_mobile="+33612345678",
        phone_work="",
        email="helene.coeur@example.org",
        address_id="800001",
        profession="33",
        line=line_of(RESP, 'PERSONNE_ID="900001"'),
    )


def test_pre_2018_file_decodes_latin9_capital_oe(resp_old):
    assert [(g.family_name, g.given_name) for g in resp_old.guardians] == [
        ("Œillet", "Françoise"),
        ("Œillet", "Stéphane"),
        ("Müller", "Jürgen"),
    ]


def test_rejected_guardians_are_absent_and_every_link_names_a_guardian(resp):
    ids = {g.personne_id for g in resp.guardians}
    # 900008's first name of blanks only is set aside (domain-rules §12): the person is kept
    assert ids == {"900001", "900002", "900003", "900004", "900005", "900007", "900008"}
    assert [(a.reason, a.record_id, a.field, a.line) for a in resp.set_aside] == [
        ("name_blank", "900008", "PRENOM", line_of(RESP, 'PERSONNE_ID="900008"'))
    ]
    assert {g.personne_id: g for g in resp.guardians}["900008"].given_name == ""
    assert {link.personne_id for link in resp.links} <= ids  # 900006's link left out


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    "path, expected",
    [
        (
            RESP,
            {  # 2018+: NIVEAU_RESPONSABILITE, PAIE_FRAIS_SCOLAIRES, A_CONTACTER_EN_PRIORITE
                ("650001", "900001"): (1, "10", True, True),
                ("650001", "900002"): (1, "20", False, False),  # two level-1 persons for one student
                ("650001", "900004"): (3, "38", False, False),  # contact only
                ("650010", "900001"): (1, "10", True, True),  # same person, sibling
                ("650010", "900002"): (1, "20", False, False),
                ("650002", "900003"): (2, "42", True, True),  # en charge
                ("650003", "900005"): (1, "10", True, True),
                ("650007", "900007"): (1, "20", False, False),
            },
        ),
        (
            RESP_OLD,
            {  # pre-2018: RESP_LEGAL 1|2 → 1, 0 → 3; RESP_FINANCIER; PERS_CONTACT
                ("640001", "910001"): (1, "10", True, True),
                ("640001", "910002"): (1, "20", False, False),
                ("640001", "910003"): (3, "39", False, True),
            },
        ),
    ],
    ids=["2018", "pre-2018"],
)
def test_link_levels_in_both_forms(path, expected):
    links = read_responsables(path).links
    got = {(k.eleve_id, k.personne_id): (k.level, k.kinship, k.pays_fees, k.priority_contact) for k in links}
    assert got == expected
    assert len(links) == len(expected)


def test_link_line_is_its_record_start(resp):
    first = resp.links[0]
    assert first == SiecleLink(
        eleve_id="650001",
        personne_id="900001",
        level=1,
        kinship="10",
        pays_fees=True,
        priority_contact=True,
        line=line_of(RESP, "<RESPONSABLE_ELEVE>"),
    )


# --------------------------------------------------------------------------- addresses


def test_addresses_are_trimmed_and_shared(resp, resp_old):
    assert resp.addresses[0] == SiecleAddress(
        address_id="800001",
        lines=("12 rue de l'Église", "Bât. B - Apt 4"),
        postal_code="69003",
        commune_insee="69383",
        postal_label="LYON",
        country="100",
        line=line_of(RESP, 'ADRESSE_ID="800001"'),
    )
    sharing = [g.personne_id for g in resp.guardians if g.address_id == "800001"]
    assert sharing == ["900001", "900002"]
    assert resp.addresses[1].lines == ("3 chemin des Œillets",)
    assert resp_old.addresses[0].lines == ("7 place Bellecour",)


# --------------------------------------------------------------------------- whole-file rejections


def _variant(tmp_path: Path, old: str, new: str, name: str = "ElevesSansAdresses.xml") -> Path:
    """The rejets fixture with one piece of text replaced."""
    data = REJETS.read_text(encoding="utf-8")
    assert old in data
    target = tmp_path / name
    target.write_text(data.replace(old, new, 1), encoding="utf-8")
    return target


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return target


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(data)
    return target


WHOLE_FILE = [
    # (id, make path, reader, reason, line or None when the parser's own)
    ("malformed", lambda t: REFUS / "malforme.xml", read_export, "malformed_xml", 11),
    ("empty", lambda t: _write(t, "vide.xml", b""), read_export, "malformed_xml", None),
    ("not_xml", lambda t: _write(t, "eleves.xml", b"ELEVE_ID;NOM\n650001;X\n"), read_export, "malformed_xml", None),
    ("edt_sts", lambda t: REFUS / "edt_sts.xml", read_export, "unknown_format", 0),
    ("no_parametres", lambda t: REFUS / "sans_parametres.xml", read_export, "missing_parametres", 0),
    ("bad_uai", lambda t: REFUS / "uai_invalide.xml", read_export, "invalid_uai", 3),  # PARAMETRES line
    ("no_uai", lambda t: _variant(t, "<UAJ>0693834T</UAJ>", ""), read_export, "invalid_uai", 4),
    ("bad_year", lambda t: _variant(t, "<ANNEE_SCOLAIRE>2026", "<ANNEE_SCOLAIRE>26"), read_export, "invalid_header", 4),
    ("bad_export_date", lambda t: _variant(t, "25/06/2026", "2026-06-25"), read_export, "invalid_header", 4),
    # rejets has an empty HORODATAGE: without DATE_EXPORT the export date is unknown
    (
        "no_export_date",
        lambda t: _variant(t, "<DATE_EXPORT>25/06/2026</DATE_EXPORT>", ""),
        read_export,
        "invalid_header",
        4,
    ),
    ("entities", lambda t: REFUS / "entites.xml", read_export, "entity_declaration", 0),
    ("responsables_as_eleves", lambda t: RESP, read_eleves, "wrong_root", 0),
    ("eleves_as_responsables", lambda t: ELEVES_ZIP, read_responsables, "wrong_root", 0),
    (
        "two_xml_in_zip",
        lambda t: _zip(t, {"a.xml": REJETS.read_bytes(), "b.xml": REJETS.read_bytes()}),
        read_export,
        "invalid_archive",
        0,
    ),
    ("missing", lambda t: t / "absent.xml", read_export, "not_found", 0),
]


@pytest.mark.parametrize("make, reader, reason, line", [c[1:] for c in WHOLE_FILE], ids=[c[0] for c in WHOLE_FILE])
def test_whole_file_rejections(tmp_path, make, reader, reason, line):
    path = make(tmp_path)
    with pytest.raises(DeliveryRejected) as info:
        reader(path)
    exc = info.value
    assert exc.reason == reason
    if line is not None:
        assert exc.line == line
    assert exc.file and exc.message


def test_whole_file_rejection_messages_explain_without_values(tmp_path):
    with pytest.raises(DeliveryRejected) as info:
        read_export(REFUS / "edt_sts.xml")
    assert "timetable-to-STS" in info.value.message
    with pytest.raises(DeliveryRejected) as info:
        read_export(REFUS / "uai_invalide.xml")
    assert "0693834A" not in str(info.value)
    nomenclature = _variant(tmp_path, '<BEE_ELEVES VERSION="2.7">', "<BEE_NOMENCLATURES>").read_text(encoding="utf-8")
    (tmp_path / "Nomenclature.xml").write_text(
        nomenclature.replace("</BEE_ELEVES>", "</BEE_NOMENCLATURES>"), encoding="utf-8"
    )
    with pytest.raises(DeliveryRejected) as info:
        read_export(tmp_path / "Nomenclature.xml")
    assert info.value.reason == "siecle_nomenclatures"  # its own reason (formats §2), not unknown_format
    assert "nomenclatures" in info.value.message


# --------------------------------------------------------------------------- sniff_root


@pytest.mark.parametrize(
    "path, root",
    [
        (ELEVES, "BEE_ELEVES"),
        (ELEVES_ZIP, "BEE_ELEVES"),
        (RESP, "BEE_RESPONSABLES"),  # after a BOM
        (RESP_OLD, "BEE_RESPONSABLES"),
        (REFUS / "edt_sts.xml", "EDT_STS"),
        (REFUS / "malforme.xml", "BEE_ELEVES"),  # broken further down: the start is enough
        (REFUS / "entites.xml", "BEE_ELEVES"),  # recognised; read_export refuses it
        (FIX / "README.md", None),
        (FIX / "absent.xml", None),
    ],
)
def test_sniff_root(path, root):
    assert sniff_root(path) == root


def test_sniff_root_of_namespaced_and_ambiguous_zips(tmp_path):
    ns = b'<?xml version="1.0"?><ExportEmploiDuTemps xmlns="http://www.index-education.com/exportemploidutemps"/>'
    assert (
        sniff_root(_zip(tmp_path, {"edt.xml": ns}))
        == "{http://www.index-education.com/exportemploidutemps}ExportEmploiDuTemps"
    )
    assert sniff_root(_zip(tmp_path, {"a.xml": ns, "b.xml": ns})) is None


def test_sniff_root_reads_only_the_beginning(tmp_path, monkeypatch):
    big = tmp_path / "big.xml"
    with open(big, "wb") as fh:
        fh.write(b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.1">\n')
        fh.write((b"<X>" + b"y" * 1000 + b"</X>\n") * 4000)  # ~4 MB, never closed
    read = []

    class Counting:
        def __init__(self, fh):
            self._fh = fh

        def read(self, size=-1):
            data = self._fh.read(size)
            read.append(len(data))
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

    monkeypatch.setattr(siecle_parser, "open", lambda p, mode: Counting(open(p, mode)), raising=False)
    assert sniff_root(big) == "BEE_ELEVES"
    assert 0 < sum(read) < 1_000_000
