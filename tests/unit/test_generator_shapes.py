"""The generator's other shapes of AAF deliveries (formats §1): format versions
VE1301 / VE1803 / VE2407, file names off the convention, and the staff and
structures of real files (``--real-shapes``).

Files are read back with lxml only, never with the project's parsers (the
generator is their independent check); categories are taken from the
records' ``operationalAttributes``, never from file names.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from generator.cli import run

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
CATEGORY = {
    "EtabEducNat": "EtabEducNat",
    "MatEducNat": "MatiereEducNat",
    "MefEducNat": "MefEducNat",
    "Eleve": "Eleve",
    "PersRelEleve": "PersRelEleve",
    "PersEducNat": "PersEducNat",
}
CHECK = "ABCDEFGHJKLMNPRSTUVWXYZ"
FIRST, SECOND = "20260818", "20261105"
STUDENTS = 900  # two establishments
# sha256 over (relative path NUL bytes NUL) of every output file in path order (see digest()), computed
# on the tree before issue 9's shapes were added, with run([out, *args]) for each of these arguments:
DEFAULT_DIGESTS = {
    ("--students", "400"): "66b11d23d98732a88ca982bffc0aabe7bc3cc7030134dff73a6c70763af33b09",
    # Recomputed for issue 10, whose timetable exports changed on purpose (week masks as 2**n with their
    # Domaine comments, subject-only courses, undeclared parts); every AAF, SIECLE and STS-web file is
    # byte-identical to issue 9's (diff -r of the two trees: only timetable/, variants/ and manifest.json).
    (
        "--students",
        "300",
        "--seed",
        "7",
        "--sources",
        "all",
    ): "62f9f3fbfe1974ba0268f95277b532c19f422085abbdc8c6e4817c318bf4b0e8",
}
# Attributes each version must carry (True) or lack (False), by category: formats §1.
PRESENCE = {
    "VE1301": {
        "Eleve": {
            "ENTEleveINE": False,
            "mail": False,
            "homePhone": False,
            "ENTEleveParents": True,
            "ENTElevePere": True,
            "ENTEleveMere": True,
            "ENTElevePersRelEleve1": True,
            "ENTEleveQualitePersRelEleve1": True,
            "ENTElevePersRelEleve2": True,
            "ENTEleveQualitePersRelEleve2": True,
            "ENTElevePersRelEleve": True,
            "ENTEleveDateEntreeClasses": False,
        },
        "PersRelEleve": {"ENTAuxPersRelEleveEleve": False, "mobile": False, "mail": False, "homePhone": True},
        "PersEducNat": {
            "ENTPersonCategorieEnseignant": False,
            "ENTPersonSTSId": False,
            "PersEducNatPresenceDevantEleves": True,
            "ENTPersonFonctions": True,
        },
    },
    "VE1803": {
        "Eleve": {
            "ENTEleveINE": True,
            "mail": True,
            "homePhone": True,
            "ENTEleveParents": False,
            "ENTElevePersRelEleve1": False,
            "ENTEleveDateEntreeClasses": False,
        },
        "PersRelEleve": {"ENTAuxPersRelEleveEleve": True, "mobile": True, "mail": True},
        "PersEducNat": {"ENTPersonCategorieEnseignant": True, "ENTPersonSTSId": True},
    },
    "VE2407": {
        "Eleve": {
            "ENTEleveINE": True,
            "mail": True,
            "homePhone": True,
            "ENTEleveParents": False,
            "ENTEleveDateEntreeClasses": True,
            "ENTEleveDateSortieClasses": True,
        },
        "PersRelEleve": {"ENTAuxPersRelEleveEleve": True, "mobile": True, "mail": True},
        "PersEducNat": {"ENTPersonCategorieEnseignant": False, "ENTPersonSTSId": True},
    },
}


def generate(out: Path, *args: str, students: int = STUDENTS) -> dict:
    assert run([str(out), "--students", str(students), *args]) == 0
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def values(el) -> list[str]:
    vals = [v.text or "" for v in el.findall("value")]
    return [] if vals == [""] else vals


def read(delivery: Path) -> list[tuple[str, str, str, dict]]:
    """(category, operation, id, {attribute: values}) of every record, parts in name order."""
    out = []
    for f in sorted(delivery.glob("*.xml")):
        for rec in etree.parse(str(f), PARSER).getroot():
            cat = CATEGORY[rec.findtext("operationalAttributes/attr/value")]
            body = rec.find("attributes") if rec.find("attributes") is not None else rec.find("modifications")
            attrs = {a.get("name"): values(a) for a in (body if body is not None else ())}
            out.append((cat, rec.tag.removesuffix("Request"), rec.findtext("identifier/id"), attrs))
    return out


def state(delivery: Path) -> dict:
    return {(cat, ident): attrs for cat, op, ident, attrs in read(delivery) if op == "add"}


def of(st: dict, cat: str) -> dict:
    return {ident: attrs for (c, ident), attrs in st.items() if c == cat}


def apply_delta(st: dict, delivery: Path) -> dict:
    st = {k: dict(v) for k, v in st.items()}
    for cat, op, ident, attrs in read(delivery):
        if op == "add":
            assert (cat, ident) not in st
            st[(cat, ident)] = attrs
        elif op == "modify":
            assert set(attrs) <= set(st[(cat, ident)])
            st[(cat, ident)].update(attrs)
        else:
            del st[(cat, ident)]
    return st


def comments(part: Path) -> list[str]:
    """The comments before the root element, in file order."""
    root = etree.parse(str(part), PARSER).getroot()
    return [c.text.strip() for c in reversed(list(root.itersiblings(preceding=True))) if isinstance(c, etree._Comment)]


def uai_valid(uai: str) -> bool:
    return bool(re.fullmatch(r"\d{7}[A-Z]", uai)) and uai[7] == CHECK[int(uai[:7]) % 23]


def functions(attrs: dict) -> list[list[str]]:
    return [f.split("$") for f in attrs["ENTPersonFonctions"]]


def teaches(attrs: dict) -> bool:
    return any(f[1] in ("ENS", "DOC") for f in functions(attrs))


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """The same académie in each version: {version: (out, manifest, first, delta dir, second)}."""
    runs = {}
    for version in ("VE1301", "VE1803", "VE2407"):
        out = tmp_path_factory.mktemp(version)
        m = generate(out, "--format-version", version)
        first, delta, second = (
            out / m["deliveries"][f"{d}"]["path"] for d in (f"{FIRST}-complet", f"{SECOND}-delta", f"{SECOND}-complet")
        )
        runs[version] = (out, m, state(first), delta, state(second))
    return runs


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """--real-shapes in VE1803 and VE1301, and the same académie without it."""
    runs = {}
    for name, args in {
        "plain": (),
        "VE1803": ("--real-shapes",),
        "VE1301": ("--real-shapes", "--format-version", "VE1301"),
    }.items():
        out = tmp_path_factory.mktemp(f"real-{name}")
        m = generate(out, *args)
        runs[name] = (
            out,
            m,
            state(out / m["deliveries"][f"{FIRST}-complet"]["path"]),
            out / m["deliveries"][f"{SECOND}-delta"]["path"],
            state(out / m["deliveries"][f"{SECOND}-complet"]["path"]),
        )
    return runs


# --------------------------------------------------------------------------- the default is unchanged


@pytest.mark.parametrize("args", list(DEFAULT_DIGESTS), ids=["aaf", "sources-all"])
def test_default_output_is_byte_for_byte_unchanged(tmp_path, args):
    assert run([str(tmp_path / "a"), *args]) == 0
    assert digest(tmp_path / "a") == DEFAULT_DIGESTS[args]
    # the new options at their defaults are the default
    explicit = [*args, "--format-version", "VE1803", "--names", "conventional"]
    assert run([str(tmp_path / "b"), *explicit]) == 0
    assert digest(tmp_path / "b") == DEFAULT_DIGESTS[args]


def test_unknown_version_or_name_style_is_a_usage_error(tmp_path):
    for args in (["--format-version", "VE2099"], ["--names", "whatever"]):
        with pytest.raises(SystemExit) as exc:
            run([str(tmp_path), *args])
        assert exc.value.code == 2


def test_generator_imports_nothing_from_the_parsers():
    """It is their independent check: stdlib and its own modules only."""
    project = ("adapters", "events", "projections", "daemon", "lxml")
    root = Path(__file__).resolve().parents[2] / "generator"
    paths = sorted(root.rglob("*.py"))
    assert len(paths) > 5, "the generator package was not found"
    for path in paths:
        name = str(path.relative_to(root))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level >= 1 or not (node.module or "").startswith(project), (name, node.module)
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith(project) for a in node.names), name


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize("version", ["VE1301", "VE1803", "VE2407"])
def test_header_comments_per_version(versions, version):
    out, m, _, _, _ = versions[version]
    parts = list((out / "aaf").rglob("*.xml"))
    assert len(parts) == 18
    for part in parts:
        found = comments(part)
        assert found[0] == f'versionAF="AAF-{version}"'
        if version != "VE2407":
            assert found == [f'versionAF="AAF-{version}"']
            continue
        keys = dict(re.fullmatch(r'(\w+)="([^"]*)"', c).groups() for c in found)
        assert list(keys) == ["versionAF", "versionSDET", "codeAcademieExport", "degre", "dateGenerationExport"]
        assert re.fullmatch(r"\d{2}", keys["codeAcademieExport"]) and keys["degre"] == "2"
        day = part.parent.name[:8]
        assert keys["dateGenerationExport"] == f"{day[6:]}/{day[4:6]}/{day[:4]}"


@pytest.mark.parametrize("version", ["VE1301", "VE1803", "VE2407"])
def test_attributes_present_and_absent_per_version(versions, version):
    _, m, first, _, second = versions[version]
    for st in (first, second):
        for cat, expected in PRESENCE[version].items():
            names = {frozenset(a) for a in of(st, cat).values()}
            assert len(names) == 1, f"{cat}: every addRequest carries the same attributes"
            (names,) = names
            for attr, present in expected.items():
                assert (attr in names) == present, (version, cat, attr)
    assert m["expectations"]["format_version"] if version != "VE1803" else "expectations" not in m
    if version != "VE1803":
        ex = m["expectations"]
        for cat, expected in PRESENCE[version].items():
            assert {a for a, present in expected.items() if present} <= set(ex["attributes"][cat])
            assert not {a for a, present in expected.items() if not present} & set(ex["attributes"][cat])


@pytest.mark.parametrize("version", ["VE1301", "VE1803", "VE2407"])
def test_complete_plus_delta_is_the_next_complete(versions, version):
    _, _, first, delta, second = versions[version]
    assert apply_delta(first, delta) == second


def test_same_people_and_values_whatever_the_version(versions):
    base = versions["VE1803"][2]
    for version in ("VE1301", "VE2407"):
        st = versions[version][2]
        assert set(st) == set(base)
        changed = {"ENTElevePersRelEleve", "ENTStructureNomCourant"}  # spelled otherwise, checked below
        for key, attrs in st.items():
            assert {n: v for n, v in attrs.items() if n in base[key] and n not in changed} == {
                n: v for n, v in base[key].items() if n in attrs and n not in changed
            }


def test_ve1301_relations_in_the_older_attributes(versions):
    out, m, first, _, _ = versions["VE1301"]
    guardians = of(first, "PersRelEleve")
    new_rels = {j: a["ENTElevePersRelEleve"] for j, a in of(versions["VE1803"][2], "Eleve").items()}
    old_code = {"20": "1", "10": "2", "50": "3"}
    empties = 0
    for j, a in of(first, "Eleve").items():
        rels = a["ENTElevePersRelEleve"]
        if "" in rels:
            empties += 1
            rels = [r for r in rels if r]
        parts = [r.split("$") for r in rels]
        new = [r.split("$") for r in new_rels[j]]
        assert [p[0] for p in parts] == [p[0] for p in new] and all(p[0] in guardians for p in parts)
        assert all(len(p) == 6 and re.fullmatch(r"\d", p[1]) for p in parts)  # single-digit lien codes
        for p, q in zip(parts, new):
            if q[1] in old_code:
                assert p[1] == old_code[q[1]]
        assert a["ENTElevePere"] == [p[0] for p in parts if p[1] == "1"][:1]
        assert a["ENTEleveMere"] == [p[0] for p in parts if p[1] == "2"][:1]
        assert a["ENTEleveParents"] == [p[0] for p in parts if p[1] in ("1", "2")]
        legal = [p for p in parts if p[3] == "1"]
        qualite = {"1": "PERE", "2": "MERE", "3": "TUTEUR"}
        for n in (1, 2):
            ids, q = a[f"ENTElevePersRelEleve{n}"], a[f"ENTEleveQualitePersRelEleve{n}"]
            if len(legal) >= n:
                assert ids == [legal[n - 1][0]] and q == [qualite[legal[n - 1][1]]]
            else:
                assert ids == [] and q == []
    assert 0 < empties < len(of(first, "Eleve")) / 10
    raw = b"".join(p.read_bytes() for p in (out / "aaf" / f"{FIRST}-complet").glob("*Eleve_*.xml"))
    assert re.search(rb'<attr name="ENTElevePersRelEleve"><value>[^<]+</value><value></value>', raw)


def test_ve2407_compound_names_and_class_dates(versions):
    _, m, first, _, second = versions["VE2407"]
    served = {e["sj"]: e for e in m["establishments"]}
    for sj, a in of(first, "EtabEducNat").items():
        kind, label, city = a["ENTStructureNomCourant"][0].split("$")
        assert label.startswith(f"{kind} ") and city == a["l"][0] and sj in served
    moves = {j: (old, new) for j, _, old, new in m["churn"]["class_changes"]}
    arrived = set(m["churn"]["students_arrived"])
    rentree = f"01/09/{m['school_year']}"
    for st, delivery in ((first, "first"), (second, "second")):
        for j, a in of(st, "Eleve").items():
            sj, cls = a["ENTEleveClasses"][0].split("$")
            entries = [e.split("$") for e in a["ENTEleveDateEntreeClasses"]]
            exits = [e.split("$") for e in a["ENTEleveDateSortieClasses"]]
            assert all(len(e) == 3 and e[0] == sj and re.fullmatch(r"\d\d/\d\d/\d{4}", e[1]) for e in entries + exits)
            assert entries[-1][2] == cls
            if delivery == "second" and j in moves:
                old, new = moves[j]
                assert [e[2] for e in entries] == [old, new] and [e[2] for e in exits] == [old]
            else:
                assert len(entries) == 1 and exits == []
                assert (entries[0][1] != rentree) == (delivery == "second" and j in arrived)


# --------------------------------------------------------------------------- file names

NAME_PATTERNS = {
    "conventional": (r"ENTACAD_Complet", r"ENTACAD_Delta"),
    "full-source": (r"FULL_ENTACAD_Complet", r"ENTACAD_Delta"),
    "ent-no-uai": (r"ENT_Complet", r"ENT_Delta"),
    "ent2dva": (r"ENT2DVA-ENT16_Complet", r"ENT2DVA-ENT16_Delta"),
}


@pytest.mark.parametrize("style", list(NAME_PATTERNS))
def test_file_names_per_style(tmp_path, style):
    m = generate(tmp_path, "--names", style, students=300)
    complete, delta = NAME_PATTERNS[style]
    for _name, d in m["deliveries"].items():
        lead = complete if d["kind"] == "complet" else delta
        files = sorted((tmp_path / d["path"]).glob("*"))
        assert len(files) == 6
        for f in files:
            match = re.fullmatch(rf"{lead}_(\d{{8}})_([A-Za-z]+)_(\d{{4}})\.xml", f.name)
            assert match, f.name
            assert match[1] == d["date"] and match[3] == "0000"
            cats = {
                CATEGORY[r.findtext("operationalAttributes/attr/value")] for r in etree.parse(str(f), PARSER).getroot()
            }
            assert cats <= {match[2]}
    assert (m["options"]["names"] == style) if style != "conventional" else "names" not in m["options"]


# --------------------------------------------------------------------------- real shapes


@pytest.mark.parametrize("version", ["VE1803", "VE1301"])
def test_teachers_with_presence_n_are_still_teachers(real, version):
    _, m, first, _, _ = real[version]
    staff = of(first, "PersEducNat")
    unserved = {u["sj"] for u in m["unserved_structures"]}
    ens = [
        a
        for a in staff.values()
        if any(f[1] == "ENS" for f in functions(a)) and not {f[0] for f in functions(a)} <= unserved
    ]
    share = sum(a["PersEducNatPresenceDevantEleves"] == ["N"] for a in ens) / len(ens)
    assert 0.35 <= share <= 0.65
    presence_n = {j for j, a in staff.items() if teaches(a) and a["PersEducNatPresenceDevantEleves"] == ["N"]}
    listed = m["deliveries"][f"{FIRST}-complet"]["teachers_presence_n"]
    assert set(listed) == presence_n and len(listed) == len(presence_n)
    assert m["expectations"]["deliveries"][f"{FIRST}-complet"]["teachers_presence_n"] == len(presence_n)
    if version == "VE1803":
        assert all(staff[j]["ENTPersonCategorieEnseignant"] == ["O"] for j in presence_n)


@pytest.mark.parametrize("version", ["VE1803", "VE1301"])
def test_a_third_of_other_staff_without_functions(real, version):
    _, m, first, _, _ = real[version]
    staff = of(first, "PersEducNat")
    others = {j: a for j, a in staff.items() if not teaches(a)}
    empty = {j for j, a in others.items() if not a["ENTPersonFonctions"]}
    assert 0.2 <= len(empty) / len(others) <= 0.45
    assert all(others[j]["PersEducNatPresenceDevantEleves"] == ["N"] for j in empty)  # nothing makes them teachers
    assert set(m["deliveries"][f"{FIRST}-complet"]["staff_without_functions"]) == empty
    if version == "VE1803":
        assert all(others[j]["ENTPersonCategorieEnseignant"] == ["N"] for j in empty)
    titles = Counter(a["personalTitle"][0] for a in staff.values())
    assert titles["Mlle"] and set(titles) == {"M.", "Mme", "Mlle"}
    assert set(m["deliveries"][f"{FIRST}-complet"]["mlle"]) == {
        j for j, a in staff.items() if a["personalTitle"] == ["Mlle"]
    }


@pytest.mark.parametrize("version", ["VE1803", "VE1301"])
def test_unserved_structures_and_their_teachers(real, version):
    _, m, first, _, second = real[version]
    structures = of(first, "EtabEducNat")
    served = {e["sj"] for e in m["establishments"]}
    zones = [sj for sj, a in structures.items() if a["ENTStructureNomCourant"][0].startswith("Z.REMP-")]
    ecoles = [sj for sj, a in structures.items() if a["ENTStructureTypeStruct"] == ["ECOLE"]]
    assert len(zones) == len(ecoles) == 1 and not served & {*zones, *ecoles}
    (zone,), (ecole,) = zones, ecoles
    assert not uai_valid(structures[zone]["ENTStructureUAI"][0]) and uai_valid(structures[ecole]["ENTStructureUAI"][0])
    assert not structures[zone]["ENTStructureClasses"] and not structures[ecole]["ENTStructureClasses"]
    failing = [sj for sj, a in structures.items() if not uai_valid(a["ENTStructureUAI"][0])]
    assert failing == [zone] and m["expectations"]["structures_failing_check_letter"] == 1
    for st, delivery in ((first, f"{FIRST}-complet"), (second, f"{SECOND}-complet")):
        attached: dict[str, list[str]] = {}
        for j, a in of(st, "PersEducNat").items():
            sjs = {f[0] for f in functions(a)} | set(a["ENTPersonStructRattach"])
            if sjs and sjs <= {zone, ecole}:
                assert len(sjs) == 1 and teaches(a) and not a["ENTAuxEnsClasses"] and not a["ENTAuxEnsGroupes"]
                attached.setdefault(sjs.pop(), []).append(j)
        assert len(attached[zone]) >= 2 and len(attached[ecole]) == 1
        listed = m["deliveries"][delivery]["unserved_structure_teachers"]
        assert sorted(listed) == sorted(attached[zone] + attached[ecole])
        assert m["expectations"]["deliveries"][delivery]["unserved_structure_teachers"] == len(listed)
        assert not set(listed) & set(m["deliveries"][delivery]["teachers"])
    by_kind = {u["kind"]: u for u in m["unserved_structures"]}
    assert by_kind["replacement_zone"]["sj"] == zone and not by_kind["replacement_zone"]["uai_valid"]
    assert by_kind["ecole"]["sj"] == ecole and by_kind["ecole"]["uai_valid"]


def test_real_shapes_keep_the_people_and_a_quiet_delta(real):
    _, plain_m, plain, _, _ = real["plain"]
    _, m, first, delta, second = real["VE1803"]
    for cat in ("Eleve", "PersRelEleve", "MatiereEducNat", "MefEducNat"):
        assert of(first, cat) == of(plain, cat)
    unserved = set(m["deliveries"][f"{FIRST}-complet"]["unserved_structure_teachers"])
    assert set(of(first, "PersEducNat")) == set(of(plain, "PersEducNat")) | unserved
    assert m["churn"] == plain_m["churn"]
    # choices follow the places in the staff list: the delta only replaces the teachers who left
    ops = Counter(op for cat, op, _, _ in read(delta) if cat == "PersEducNat")
    assert ops == Counter(delete=len(m["churn"]["teachers_left"]), add=len(m["churn"]["teachers_arrived"]))
    assert apply_delta(first, delta) == second
