"""Tests of the synthetic académie generator (generator).

The files are read back with lxml only (never with the project's parsers):
the generator is meant as an independent check of those parsers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from generator.cli import run

CATEGORIES = ("EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat")
OPERATIONAL = {
    "EtabEducNat": ("categorieStructure", "EtabEducNat"),
    "MatiereEducNat": ("categorieMatiere", "MatEducNat"),
    "MefEducNat": ("categorieMef", "MefEducNat"),
    "Eleve": ("categoriePersonne", "Eleve"),
    "PersRelEleve": ("categoriePersonne", "PersRelEleve"),
    "PersEducNat": ("categoriePersonne", "PersEducNat"),
}
ID_ATTR = {
    "EtabEducNat": "ENTStructureJointure",
    "MatiereEducNat": "ENTMatJointure",
    "MefEducNat": "ENTMefJointure",
    "Eleve": "ENTPersonJointure",
    "PersRelEleve": "ENTPersonJointure",
    "PersEducNat": "ENTPersonJointure",
}
FILE_RE = re.compile(
    r"^(?P<prefix>[A-Za-z0-9.-]+)_(?P<kind>Complet|Delta)_(?P<date>\d{8})_"
    r"(?P<cat>[A-Za-z]+)_(?P<part>\d{4})\.xml$"
)
CODE_RE = re.compile(r"^[A-Za-z0-9 _-]{1,8}$")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def generate(out: Path, *args: str, students: int = 400) -> dict:
    """Run the generator into ``out`` and return its manifest."""
    assert run([str(out), "--students", str(students), *args]) == 0
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def xml_files(delivery: Path) -> list[Path]:
    """Part files in application order (category dependency order, then name order)."""
    files = sorted(delivery.glob("*.xml"))
    return sorted(files, key=lambda f: (CATEGORIES.index(FILE_RE.match(f.name)["cat"]), f.name))


def values(el) -> list[str]:
    """Values of an attr/modification; a lone empty ``<value/>`` means no value."""
    vals = [v.text or "" for v in el.findall("value")]
    return [] if vals == [""] else vals


def read_delivery(delivery: Path) -> list[tuple[str, str, str, dict]]:
    """(category, operation, id, {attribute: values}) for every record, checking the record structure."""
    out = []
    for f in xml_files(delivery):
        cat = FILE_RE.match(f.name)["cat"]
        root = etree.parse(str(f), PARSER).getroot()
        assert root.tag == "ficAlimMENESR"
        for rec in root:
            op = rec.tag.removesuffix("Request")
            expected = {
                "add": ["operationalAttributes", "identifier", "attributes"],
                "modify": ["operationalAttributes", "identifier", "modifications"],
                "delete": ["operationalAttributes", "identifier"],
            }[op]
            assert [c.tag for c in rec] == expected
            (op_attr,) = rec.find("operationalAttributes")
            assert (op_attr.get("name"), values(op_attr)) == (OPERATIONAL[cat][0], [OPERATIONAL[cat][1]])
            ident = rec.findtext("identifier/id")
            if op == "add":
                attrs = {a.get("name"): values(a) for a in rec.find("attributes")}
                assert attrs[ID_ATTR[cat]] == [ident]
            elif op == "modify":
                mods = rec.find("modifications")
                assert all(m.get("operation") == "replace" for m in mods)
                attrs = {m.get("name"): values(m) for m in mods}
                assert attrs
            else:
                attrs = {}
            out.append((cat, op, ident, attrs))
    return out


def complete_state(delivery: Path) -> dict:
    """Canonical content of a complete delivery: (category, id) -> {name: values}."""
    recs = read_delivery(delivery)
    assert {op for _, op, _, _ in recs} == {"add"}
    state = {(cat, ident): attrs for cat, _, ident, attrs in recs}
    assert len(state) == len(recs), "an identifier appears twice"
    return state


def apply_delta(state: dict, delivery: Path) -> dict:
    state = {k: dict(v) for k, v in state.items()}
    for cat, op, ident, attrs in read_delivery(delivery):
        key = (cat, ident)
        if op == "add":
            assert key not in state
            state[key] = attrs
        elif op == "modify":
            assert set(attrs) <= set(state[key])
            state[key].update(attrs)
        else:
            del state[key]
    return state


def dirs(out: Path, m: dict) -> list[Path]:
    return [out / d["path"] for d in m["deliveries"].values()]


def of(state: dict, cat: str) -> dict:
    return {ident: attrs for (c, ident), attrs in state.items() if c == cat}


@pytest.fixture(scope="module")
def academy(tmp_path_factory):
    """One default run shared by the read-only tests."""
    out = tmp_path_factory.mktemp("acad")
    m = generate(out, students=1200)
    first, delta, second = dirs(out, m)
    return out, m, complete_state(first), delta, complete_state(second)


def test_same_seed_gives_byte_identical_files(tmp_path):
    generate(tmp_path / "a", "--seed", "7")
    generate(tmp_path / "b", "--seed", "7")
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert len(a) == 19 and a == b  # 3 deliveries x 6 categories + manifest


def test_different_seed_gives_different_content(tmp_path):
    ma, mb = generate(tmp_path / "a", "--seed", "1"), generate(tmp_path / "b", "--seed", "2")
    sa = complete_state(dirs(tmp_path / "a", ma)[0])
    sb = complete_state(dirs(tmp_path / "b", mb)[0])
    students_a, students_b = set(of(sa, "Eleve")), set(of(sb, "Eleve"))
    assert students_a != students_b and len(students_a & students_b) < len(students_a) // 10
    assert [e["uai"] for e in ma["establishments"]] != [e["uai"] for e in mb["establishments"]]


def test_uai_check_letters_and_structure_ids(academy):
    _, m, first, _, _ = academy
    etabs = of(first, "EtabEducNat")
    assert len(etabs) == len(m["establishments"]) == 2
    for sj, attrs in etabs.items():
        (uai,) = attrs["ENTStructureUAI"]
        assert re.fullmatch(r"\d{7}[A-Z]", uai)
        assert uai[7] == "ABCDEFGHJKLMNPRSTUVWXYZ"[int(uai[:7]) % 23]
        assert sj.isdigit() and sj != uai
    assert {e["sj"]: e["uai"] for e in m["establishments"]} == {sj: a["ENTStructureUAI"][0] for sj, a in etabs.items()}


def test_class_and_group_codes_obey_the_rules(academy):
    _, m, first, _, _ = academy
    classes, groups = set(), set()
    for sj, attrs in of(first, "EtabEducNat").items():
        etab_classes = {v.split("$")[0] for v in attrs["ENTStructureClasses"]}
        assert all(len(v.split("$")) == 3 and len(v.split("$")[2]) == 11 for v in attrs["ENTStructureClasses"])
        for v in attrs["ENTStructureGroupes"]:
            code, _label, *members = v.split("$")
            assert members and set(members) <= etab_classes  # a group belongs to classes of its establishment
            groups.add((sj, code))
        classes |= {(sj, c) for c in etab_classes}
    assert all(CODE_RE.match(code) for _, code in classes | groups)
    assert any(" " in c or "_" in c for _, c in classes | groups)  # the allowed separators are exercised
    for attrs in of(first, "Eleve").values():
        (cls,) = attrs["ENTEleveClasses"]
        assert tuple(cls.split("$")) in classes
        assert len(attrs["ENTEleveGroupes"]) <= 3
        assert all(tuple(g.split("$")) in groups for g in attrs["ENTEleveGroupes"])
    for attrs in of(first, "PersEducNat").values():
        assert all(tuple(c.split("$")) in classes for c in attrs["ENTAuxEnsClasses"])
        assert all(tuple(g.split("$")) in groups for g in attrs["ENTAuxEnsGroupes"])


def test_every_file_is_well_formed_with_declared_encoding_and_version(tmp_path):
    m = generate(tmp_path, "--part-size", "300")
    seen = 0
    for d in dirs(tmp_path, m):
        for f in xml_files(d):
            raw = f.read_bytes()
            assert raw.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\r\n')
            assert b'<!-- versionAF="AAF-VE1803" -->' in raw
            assert raw.count(b"\n") == raw.count(b"\r\n")  # CRLF throughout
            tree = etree.parse(str(f), PARSER)
            assert tree.docinfo.encoding.upper() == "ISO-8859-1" and tree.getroot().tag == "ficAlimMENESR"
            seen += 1
        # every attribute of a category is present in every addRequest, even when empty
        names: dict[str, set] = {}
        for cat, op, _, attrs in read_delivery(d):
            if op == "add":
                assert names.setdefault(cat, set(attrs)) == set(attrs)
    assert seen == m["totals"]["files"]


def test_parts_are_contiguous_and_bounded(tmp_path):
    m = generate(tmp_path, "--part-size", "97")
    for d in m["deliveries"].values():
        for cat in CATEGORIES:
            parts = sorted((tmp_path / d["path"]).glob(f"*_{cat}_*.xml"))
            assert [FILE_RE.match(p.name)["part"] for p in parts] == [f"{i:04d}" for i in range(len(parts))]
            assert len(parts) == d["files"][cat] >= 1
            sizes = [len(etree.parse(str(p), PARSER).getroot()) for p in parts]
            assert all(s <= 97 for s in sizes) and all(s == 97 for s in sizes[:-1])
            assert sum(sizes) == sum(d["records"][cat].values())
    first = m["deliveries"]["20260818-complet"]
    assert first["files"]["Eleve"] == -(-len(first["jointures"]["Eleve"]) // 97) > 1


def test_content_does_not_depend_on_date_part_size_shuffle_or_encoding(tmp_path):
    a = generate(tmp_path / "a", "--seed", "3")
    b = generate(
        tmp_path / "b",
        "--seed",
        "3",
        "--date",
        "20260901",
        "--second-date",
        "20261201",
        "--part-size",
        "41",
        "--shuffle-attributes",
        "--encoding",
        "utf-8",
        "--prefix",
        "ENT2D",
    )
    for da, db in zip(dirs(tmp_path / "a", a), dirs(tmp_path / "b", b)):
        ra, rb = read_delivery(da), read_delivery(db)
        assert sorted(ra, key=repr) == sorted(rb, key=repr)  # same records, values in the same order
    # the variation really happened: other names, more parts, other attribute order
    eleve_a = dirs(tmp_path / "a", a)[0] / "ENTACAD_Complet_20260818_Eleve_0000.xml"
    eleve_b = dirs(tmp_path / "b", b)[0] / "ENT2D_Complet_20260901_Eleve_0000.xml"
    order = lambda p: [x.get("name") for x in etree.parse(str(p), PARSER).find("addRequest/attributes")]  # noqa: E731
    assert order(eleve_a) != order(eleve_b) and sorted(order(eleve_a)) == sorted(order(eleve_b))
    assert b["totals"]["files"] > a["totals"]["files"]


def test_first_complete_plus_delta_equals_second_complete(academy):
    _, m, first, delta, second = academy
    assert apply_delta(first, delta) == second
    ops = Counter((cat, op) for cat, op, _, _ in read_delivery(delta))
    assert ops[("Eleve", "add")] and ops[("Eleve", "modify")] and ops[("Eleve", "delete")]
    assert ops[("PersRelEleve", "modify")] and ops[("PersEducNat", "delete")] == 2
    assert not any(cat in ("EtabEducNat", "MatiereEducNat", "MefEducNat") for cat, _ in ops)


def test_churn_ground_truth_matches_files(academy):
    _, m, first, _, second = academy
    ch = m["churn"]
    s1, s2 = of(first, "Eleve"), of(second, "Eleve")
    assert ch["students_left"] and set(ch["students_left"]) <= set(s1) and not set(ch["students_left"]) & set(s2)
    assert (
        ch["students_arrived"] and not set(ch["students_arrived"]) & set(s1) and set(ch["students_arrived"]) <= set(s2)
    )
    assert 0.03 < len(ch["students_left"]) / len(s1) < 0.07
    for jointure, sj, old, new in ch["class_changes"]:
        assert s1[jointure]["ENTEleveClasses"] == [f"{sj}${old}"] and s2[jointure]["ENTEleveClasses"] == [f"{sj}${new}"]
    assert set(ch["students_left"]) | set(ch["duplicates_removed"]) == set(s1) - set(s2)
    g1, g2 = of(first, "PersRelEleve"), of(second, "PersRelEleve")
    assert set(ch["guardians_left"]) == set(g1) - set(g2) and set(ch["guardians_arrived"]) == set(g2) - set(g1)
    for j in ch["guardians_renamed"]:
        assert g1[j]["sn"] != g2[j]["sn"] and sorted(g1[j]["sn"][0]) == sorted(g2[j]["sn"][0])
    t1, t2 = of(first, "PersEducNat"), of(second, "PersEducNat")
    assert set(ch["teachers_left"]) == set(t1) - set(t2) and set(ch["teachers_arrived"]) == set(t2) - set(t1)
    assert m["deliveries"]["20260818-complet"]["jointures"]["Eleve"] == list(s1)


def norm(name: str) -> str:
    """Aggressive name normalisation: no accent, case, space or punctuation."""
    name = unicodedata.normalize("NFD", name).casefold().replace("œ", "oe")
    return "".join(c for c in name if c.isalnum())


def test_duplicates_share_normalised_identity_and_are_removed(academy):
    _, m, first, _, second = academy
    students = of(first, "Eleve")
    assert m["duplicates"] and m["churn"]["duplicates_removed"] == [d for _, d in m["duplicates"]]
    for kept, dup in m["duplicates"]:
        a, b = students[kept], students[dup]
        assert [norm(a["sn"][0]), norm(a["givenName"][0]), a["ENTPersonDateNaissance"]] == [
            norm(b["sn"][0]),
            norm(b["givenName"][0]),
            b["ENTPersonDateNaissance"],
        ]
        assert (a["sn"], a["givenName"]) != (b["sn"], b["givenName"])  # typed differently
        assert a["ENTEleveINE"] != b["ENTEleveINE"]
        assert ("Eleve", kept) in second and ("Eleve", dup) not in second
    # ... and they are the only people sharing a normalised identity (no accidental homonym)
    for state in (first, second):
        for cat in ("Eleve", "PersEducNat"):
            ids = Counter(
                (norm(a["sn"][0]), norm(a["givenName"][0]), a["ENTPersonDateNaissance"][0])
                for a in of(state, cat).values()
            )
            clashes = sum(n - 1 for n in ids.values())
            assert clashes == (len(m["duplicates"]) if (state is first and cat == "Eleve") else 0)


def test_guardians_links_sharing_and_couples(academy):
    _, m, first, _, _ = academy
    students, guardians = of(first, "Eleve"), of(first, "PersRelEleve")
    links = Counter()
    for sid, attrs in students.items():
        assert attrs["ENTElevePersRelEleve"]
        for rel in attrs["ENTElevePersRelEleve"]:
            gid, lien, fin, legal, contact, pay = rel.split("$")
            assert gid in guardians and sid in guardians[gid]["ENTAuxPersRelEleveEleve"]
            assert legal in "012" and fin in "01" and contact in "01" and pay in "01" and lien.isdigit()
            links[gid] += 1
        legal_ids = [r.split("$")[0] for r in attrs["ENTElevePersRelEleve"] if r.split("$")[3] == "1"]
        assert 1 <= len(legal_ids) <= 2 and attrs["ENTEleveAutoriteParentale"] == legal_ids
    assert all(links[g] == len(a["ENTAuxPersRelEleveEleve"]) for g, a in guardians.items())
    shared = m["deliveries"]["20260818-complet"]["shared_guardians"]
    assert shared == [g for g, a in guardians.items() if len(a["ENTAuxPersRelEleveEleve"]) > 1]
    assert 0.10 <= len(shared) / len(guardians) <= 0.25
    couples = m["deliveries"]["20260818-complet"]["couple_guardians"]
    assert couples and len(couples) / len(guardians) < 0.02
    for g in couples:
        name = f"{guardians[g]['givenName'][0]} {guardians[g]['sn'][0]}"
        assert re.search(r" et | & |M\. MME", name, re.IGNORECASE)
    mobiles = [a["mobile"][0] for a in guardians.values() if a["mobile"]]
    assert mobiles and all(re.fullmatch(r"\+33[67]\d{8}", x) for x in mobiles)


def test_person_identifiers_and_dates(academy):
    _, m, first, _, second = academy
    people = [ident for (cat, ident) in set(first) | set(second) if cat in ("Eleve", "PersRelEleve", "PersEducNat")]
    assert len(people) == len(set(people)) and all(re.fullmatch(r"\d{7}", j) for j in people)
    year = m["school_year"]
    for attrs in of(first, "Eleve").values():
        assert re.fullmatch(r"\d{9}[A-Z]{2}", attrs["ENTEleveINE"][0])
        assert re.fullmatch(r"\d{6,7}", attrs["ENTEleveStructRattachId"][0])
        assert attrs["ENTEleveStatutEleve"] in (["SCOLAIRE"], ["APPRENTI"])
        d, mth, y = attrs["ENTPersonDateNaissance"][0].split("/")
        level = attrs["ENTEleveClasses"][0].split("$")[1]
        if level.startswith("6"):  # collège 6EME: 11 at the rentrée, give or take a year
            assert year - 12 <= int(y) <= year - 10
        assert 1 <= int(mth) <= 12 and 1 <= int(d) <= 31
    staff = of(first, "PersEducNat")
    teachers = m["deliveries"]["20260818-complet"]["teachers"]
    assert 1200 / 16 < len(teachers) < 1200 / 9 and len(staff) - len(teachers) >= 1200 / 60
    for t in teachers:
        assert all(f.split("$")[1] == "ENS" for f in staff[t]["ENTPersonFonctions"])
        assert staff[t]["mail"][0].endswith(f"@ac-{m['academie'].lower()}.fr")
    multi = m["deliveries"]["20260818-complet"]["multi_establishment_teachers"]
    assert multi and all(len({f.split("$")[0] for f in staff[t]["ENTPersonFonctions"]}) == 2 for t in multi)


def test_first_delivery_does_not_depend_on_churn_options(tmp_path):
    generate(tmp_path / "a", "--seed", "5")
    generate(tmp_path / "b", "--seed", "5", "--churn", "0.3")
    generate(tmp_path / "c", "--seed", "5", "--no-second")
    first = lambda out: {p.name: p.read_bytes() for p in (out / "aaf" / "20260818-complet").iterdir()}  # noqa: E731
    assert first(tmp_path / "a") == first(tmp_path / "b") == first(tmp_path / "c")
    second = lambda out: (out / "aaf" / "20261105-complet" / "ENTACAD_Complet_20261105_Eleve_0000.xml").read_bytes()  # noqa: E731
    assert second(tmp_path / "a") != second(tmp_path / "b")
    assert not (tmp_path / "c" / "aaf" / "20261105-complet").exists()


def test_latin9_oe_survives_as_character_reference(tmp_path):
    m1 = generate(tmp_path / "l1", "--no-second")
    m15 = generate(tmp_path / "l15", "--no-second", "--encoding", "iso-8859-15")
    raw1 = b"".join(f.read_bytes() for f in xml_files(dirs(tmp_path / "l1", m1)[0]))
    raw15 = b"".join(f.read_bytes() for f in xml_files(dirs(tmp_path / "l15", m15)[0]))
    assert b"&#339;" in raw1 and b"\xe9" in raw1  # œ as a reference, é as a Latin-1 byte
    assert b"&#339;" not in raw15 and b"\xbd" in raw15  # œ is the byte 0xBD in Latin-9
    s1 = complete_state(dirs(tmp_path / "l1", m1)[0])
    names = [a["sn"][0] for (cat, _), a in s1.items() if cat in ("Eleve", "PersRelEleve")]
    assert any("œ" in n for n in names) and any("'" in n for n in names) and any("-" in n for n in names)
    assert s1 == complete_state(dirs(tmp_path / "l15", m15)[0])


def test_module_entry_point_and_existing_output(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "generator", str(out), "--students", "120", "--no-second"]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1 and "students" in proc.stdout
    assert sorted(p.name for p in (out / "aaf").iterdir()) == ["20260818-complet"]
    # re-generating over existing parts is refused (stale parts would break numbering) unless --force
    assert run([str(out), "--students", "120", "--no-second"]) == 2
    assert run([str(out), "--students", "120", "--no-second", "--force"]) == 0
