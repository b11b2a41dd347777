"""The generator's other sources (SIECLE, STS-web, timetable, timetable variants)
read back with the project's own parsers, and checked against the AAF files of
the same académie (read with lxml only, as in test_generator.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from adapters.errors import DeliveryRejected
from adapters.siecle import read_eleves, read_responsables
from adapters.sts.parser import read_sts
from adapters.timetable.parser import read_edt
from adapters.timetable.records import weeks_of
from adapters.validators import uai_is_valid
from events.policy import Policy
from events.timetable.changes import diff
from events.timetable.decision import DEFAULT_THRESHOLDS, exceeded, refusal, set_aside_refusal
from events.timetable.edt import match_edt
from events.timetable.matching import DirectoryView, Person
from events.timetable.snapshot import Session, Snapshot
from generator.cli import run

# Any pepper: the names' digests are compared with digests of the same store.
PEPPER = b"test pepper"

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
FIRST, SECOND = "20260818", "20261105"
STUDENTS = 900  # two establishments
# The school weeks of 2026-2027 (week 1 from Monday 2026-08-31): all but the Toussaint holidays (weeks
# of 19 and 26 October) and the Christmas holidays (weeks of 21 and 28 December), up to 4 July 2027.
SCHOOL_WEEKS = [*range(1, 8), *range(10, 17), *range(19, 45)]
HOLIDAYS = {8, 9, 17, 18}


def generate(out: Path, *args: str, students: int = STUDENTS) -> dict:
    assert run([str(out), "--students", str(students), *args]) == 0
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def aaf_records(out: Path, m: dict, delivery: str) -> dict[str, list[dict]]:
    """{category: [{attribute: values}]} of the addRequests of a complete AAF delivery."""
    recs: dict[str, list[dict]] = defaultdict(list)
    for f in sorted((out / m["deliveries"][delivery]["path"]).glob("*.xml")):
        cat = f.name.split("_")[3]
        for rec in etree.parse(str(f), PARSER).getroot().iterfind("addRequest"):
            recs[cat].append(
                {a.get("name"): [v.text or "" for v in a.findall("value") if v.text] for a in rec.find("attributes")}
            )
    return recs


@pytest.fixture(scope="module")
def acad(tmp_path_factory):
    out = tmp_path_factory.mktemp("sources")
    m = generate(out, "--sources", "all")
    aaf = aaf_records(out, m, f"{FIRST}-complet")
    uai_of = {e["sj"]: e["uai"] for e in m["establishments"]}
    return out, m, aaf, uai_of


def uais(m: dict) -> list[str]:
    return [e["uai"] for e in m["establishments"]]


def test_same_seed_same_bytes_and_aaf_output_unchanged(tmp_path):
    a = generate(tmp_path / "a", "--seed", "7", "--sources", "all", students=300)
    generate(tmp_path / "b", "--seed", "7", "--sources", "aaf,siecle,sts,timetable", students=300)
    generate(tmp_path / "c", "--seed", "7", students=300)  # AAF only (the default)
    files = lambda d: {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file()}  # noqa: E731
    fa, fb, fc = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert fa == fb
    # 2 dates x (2 SIECLE + 1 STS + 1 EDT) for one establishment, 25 variants (7 of them one per
    # threshold), 18 AAF parts, manifest
    assert len(fa) == 8 + 25 + 18 + 1
    aaf = {p: b for p, b in fa.items() if p.parts[0] == "aaf"}
    assert aaf and aaf == {p: b for p, b in fc.items() if p.parts[0] == "aaf"}  # AAF byte-identical
    assert set(fc) == set(aaf) | {Path("manifest.json")}
    assert "sources" in a and "sources" not in json.loads((tmp_path / "c" / "manifest.json").read_text())


def test_sources_option_selects_outputs(tmp_path):
    m = generate(tmp_path / "s", "--sources", "siecle", "--no-second", students=300)
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["manifest.json", "siecle", "variants"]
    assert m["deliveries"] == {} and list(m["sources"]) == ["siecle", "variants"]
    assert {v["source"] for v in m["sources"]["variants"]} == {"siecle"}
    assert list(m["sources"]["siecle"]) == [FIRST]
    with pytest.raises(SystemExit):
        run([str(tmp_path / "x"), "--sources", "aaf,pronote"])
    # an existing output is refused without --force
    assert run([str(tmp_path / "s"), "--students", "300", "--sources", "siecle", "--no-second"]) == 2
    assert run([str(tmp_path / "s"), "--students", "300", "--sources", "siecle", "--no-second", "--force"]) == 0


def test_normal_outputs_parse_without_rejection(acad):
    out, m, _, _ = acad
    src = m["sources"]
    assert len(uais(m)) == 2
    for day in (FIRST, SECOND):
        for uai in uais(m):
            el = read_eleves(out / src["siecle"][day][uai]["eleves"])
            resp = read_responsables(out / src["siecle"][day][uai]["responsables"])
            sts = read_sts(out / src["sts"][day][uai])
            edt = read_edt(out / src["timetable"][day][uai])
            for export in (el, resp, sts, edt):
                assert export.rejections == ()
                assert export.header.uai == uai
            assert el.students and resp.guardians and resp.links and resp.addresses
            assert sts.teachers and sts.services and sts.groups and len(sts.persons) > len(sts.teachers)
            assert edt.courses and edt.students and edt.groups
            assert edt.header.ends_on == date(2027, 7, 4) and edt.header.starts_on == date(2026, 9, 1)
            assert edt.header.first_week_day == date(2026, 8, 31) and edt.header.version == "2026.0.1"
            assert all(1 <= c.day <= 5 for c in edt.courses)
            assert any(c.parts for c in edt.classes) and any(g.parts for g in edt.groups)
            # every teacher carries the matching keys (the default shape)
            assert all(t.sts_id and t.birth_date and not t.pronote_id for t in edt.teachers)
            # real shapes: courses holding only a subject (about one in eight of them all), and students
            # listing a class part no class declares (about one in ten of the classes without parts)
            only = [c for c in edt.courses if c.subject_only]
            assert edt.subject_only == len(only) and 0.08 < len(only) / len(edt.courses) < 0.18
            assert all(c.weeks == 0 and c.subject and not c.rooms for c in only)
            plain = {c.ident for c in edt.classes if not c.parts}
            in_plain = sum(1 for s in edt.students if s.class_ident in plain)
            assert 0.04 < edt.ignored_parts / in_plain < 0.2
            assert not [s for s in edt.students if set(s.parts) - {p for c in edt.classes for p in c.parts}]
            # week masks: week n is 2**n; school weeks without the Toussaint and Christmas holidays,
            # class halves on alternate school weeks (A and B)
            assert all(weeks_of(c.weeks) == SCHOOL_WEEKS for c in edt.courses if c.classes or c.groups)
            halves = defaultdict(list)
            for c in edt.courses:
                if c.parts and not (c.classes or c.groups):
                    halves[(c.day, c.start_place)].append(set(weeks_of(c.weeks)))
            assert halves
            for a, b in halves.values():
                assert not a & b and sorted(a | b) == SCHOOL_WEEKS and not (a | b) & HOLIDAYS
                # alternate school weeks: the alternation goes on across a holiday (7 and 10 differ)
                assert abs(len(a) - len(b)) <= 1 and (7 in a) == (10 in b) == (1 in a)


def test_siecle_matches_aaf_students_and_guardians(acad):
    out, m, aaf, uai_of = acad
    by_eleve_id = {r["ENTEleveStructRattachId"][0]: r for r in aaf["Eleve"]}
    guardians = {r["ENTPersonJointure"][0] for r in aaf["PersRelEleve"]}
    seen = 0
    for uai, paths in m["sources"]["siecle"][FIRST].items():
        el = read_eleves(out / paths["eleves"])
        for s in el.students:
            r = by_eleve_id[s.eleve_id]
            assert uai_of[r["ENTPersonStructRattach"][0]] == uai
            assert (s.ine, s.given_name, s.birth_date.strftime("%d/%m/%Y")) == (
                r["ENTEleveINE"][0],
                r["givenName"][0],
                r["ENTPersonDateNaissance"][0],
            )
            assert (s.usage_name or s.family_name) == r["sn"][0]
            assert f"{r['ENTPersonStructRattach'][0]}${s.division}" == r["ENTEleveClasses"][0]
            assert [f"{r['ENTPersonStructRattach'][0]}${g}" for g in s.groups] == r.get("ENTEleveGroupes", [])
            assert s.left_on is None and s.mef == r["ENTEleveMEF"][0]
            seen += 1
        resp = read_responsables(out / paths["responsables"])
        assert {g.personne_id for g in resp.guardians} <= guardians
        # NIVEAU_RESPONSABILITE agrees with the AAF respLegal (1 -> 1, 2 -> 2, 0 -> 3)
        legal = {
            (by_eleve_id[link.eleve_id]["ENTPersonJointure"][0], link.personne_id): link.level for link in resp.links
        }
        for eid in {link.eleve_id for link in resp.links}:
            r = by_eleve_id[eid]
            for rel in r["ENTElevePersRelEleve"]:
                rel_id, _, _, resp_legal, _, _ = rel.split("$")
                assert legal[(r["ENTPersonJointure"][0], rel_id)] == {"1": 1, "2": 2, "0": 3}[resp_legal]
    assert seen == len(aaf["Eleve"])  # every AAF student is in SIECLE, and only them


def test_second_siecle_keeps_churn_leavers_with_a_past_exit_date(acad):
    out, m, aaf, _ = acad
    eleve_id = {r["ENTPersonJointure"][0]: r["ENTEleveStructRattachId"][0] for r in aaf["Eleve"]}
    left = {eleve_id[j] for j in m["churn"]["students_left"]}
    assert left
    gone, present = set(), set()
    for paths in m["sources"]["siecle"][SECOND].values():
        el = read_eleves(out / paths["eleves"])
        for s in el.students:
            if s.left_on is not None:
                assert date(2026, 8, 18) < s.left_on < el.header.exported_on == date(2026, 11, 5)
                gone.add(s.eleve_id)
            else:
                present.add(s.eleve_id)
        # a leaver keeps its guardian links
        resp = read_responsables(out / paths["responsables"])
        linked = {link.eleve_id for link in resp.links}
        assert {s.eleve_id for s in el.students if s.left_on} <= linked
    assert gone == left and not gone & present
    removed = {eleve_id[j] for j in m["churn"]["duplicates_removed"]}
    assert removed and not removed & (gone | present)  # the records typed twice vanish


def test_sts_teachers_and_services_match_aaf(acad):
    out, m, aaf, uai_of = acad
    sts_ids = {r["ENTPersonSTSId"][0]: r for r in aaf["PersEducNat"]}
    for uai, path in m["sources"]["sts"][FIRST].items():
        sts = read_sts(out / path)
        sj = next(s for s, u in uai_of.items() if u == uai)
        for t in sts.teachers:
            r = sts_ids[t.id]
            assert r["ENTPersonFonctions"][0].startswith(f"{sj}$ENS$")
            aaf_services = {
                v
                for v in r.get("ENTAuxEnsClassesMatieres", []) + r.get("ENTAuxEnsGroupesMatieres", [])
                if v.startswith(f"{sj}$")
            }
            assert {f"{sj}${s.structure_code}${s.subject_code}" for s in sts.services_of(t.id)} == aaf_services
        etab = next(e for e in aaf["EtabEducNat"] if e["ENTStructureUAI"] == [uai])
        assert set(sts.divisions) == {v.split("$")[0] for v in etab["ENTStructureClasses"]}
        assert {(g.code, g.divisions) for g in sts.groups} == {
            (v.split("$")[0], tuple(v.split("$")[2:])) for v in etab["ENTStructureGroupes"]
        }
        assert all(s.teacher_ids for s in sts.services)  # every service has its teacher


def test_timetable_matches_siecle_sts_and_aaf(acad):
    out, m, aaf, _ = acad
    for day in (FIRST, SECOND):
        for uai in uais(m):
            edt = read_edt(out / m["sources"]["timetable"][day][uai])
            el = read_eleves(out / m["sources"]["siecle"][day][uai]["eleves"])
            sts = read_sts(out / m["sources"]["sts"][day][uai])
            siecle = {s.eleve_id: s for s in el.students if s.left_on is None}
            classes = {c.ident: c.name for c in edt.classes}
            assert {s.eleve_id for s in edt.students} == set(siecle)
            for s in edt.students:
                assert s.ine == siecle[s.eleve_id].ine
                assert classes[s.class_ident] == siecle[s.eleve_id].division  # current class after a change
            assert {t.sts_id for t in edt.teachers} == {t.id for t in sts.teachers}
            etab = next(e for e in aaf["EtabEducNat"] if e["ENTStructureUAI"] == [uai])
            assert set(classes.values()) == {v.split("$")[0] for v in etab["ENTStructureClasses"]}
            assert {g.name for g in edt.groups} == {v.split("$")[0] for v in etab["ENTStructureGroupes"]}


def snapshot(path: Path) -> Snapshot:
    """What the timetable pipeline compares, keyed by codes (class names, IDSTS, subject codes)."""
    e = read_edt(path)
    cls = {c.ident: c.name for c in e.classes}
    part_class = {p: c.name for c in e.classes for p in c.parts}
    grp = {g.ident: g.name for g in e.groups}
    subj = {s.ident: s.code for s in e.subjects}
    tch = {t.ident: t.sts_id for t in e.teachers}
    sessions, services, taught = [], defaultdict(set), defaultdict(set)
    for c in e.courses:
        if c.subject_only:
            continue  # nothing to apply (formats §4), as the pipeline does
        structures = {cls[x] for x in c.classes} | {part_class[p] for p in c.parts}
        teachers = frozenset(tch[t] for t in c.teachers)
        sessions.append(
            Session(
                c.day,
                c.start_place,
                c.places,
                subj[c.subject],
                teachers,
                frozenset(structures),
                frozenset(grp[g] for g in c.groups),
                c.weeks,
            )
        )
        for s in structures | {grp[g] for g in c.groups}:
            services[(s, subj[c.subject])] |= teachers
            for t in teachers:
                taught[t].add(s)
    return Snapshot(
        subjects={s.code: s.label for s in e.subjects},
        services={k: frozenset(v) for k, v in services.items()},
        sessions=tuple(sessions),
        classes=frozenset(cls.values()),
        groups={
            g.name: frozenset(cls[c] for c in g.classes) | frozenset(part_class[p] for p in g.parts) for g in e.groups
        },
        students={s.eleve_id: cls[s.class_ident] for s in e.students},
        teachers={t: frozenset(v) for t, v in taught.items()},
    )


TIMETABLE_VARIANTS = {
    "moderate-change",
    "duplicate",
    "too-many-changes",
    "structure-deleted",
    "end-date-late",
    "unknown-uai",
    "bad-code",
    "invalid-record",
    "too-many-set-aside",
    "malformed",
    "edt-sts",
    *(f"threshold-{name}" for name in DEFAULT_THRESHOLDS),
}  # test_generator_thresholds.py
SIECLE_VARIANTS = {
    "siecle-duplicate",
    "siecle-older-export",
    "siecle-malformed",
    "siecle-invalid-uai",
    "siecle-invalid-header",
    "siecle-missing-parametres",
    "siecle-entity-declaration",
}


def test_variants_trigger_their_rejection(acad):
    out, m, _, _ = acad
    variants = {v["name"]: v for v in m["sources"]["variants"]}
    assert set(variants) == TIMETABLE_VARIANTS | SIECLE_VARIANTS
    first_uai = uais(m)[0]
    assert {v["uai"] for v in variants.values()} == {first_uai}  # first establishment only
    base = out / m["sources"]["timetable"][SECOND][first_uai]
    assert all(variants[n]["base"] == m["sources"]["timetable"][SECOND][first_uai] for n in TIMETABLE_VARIANTS)
    path = {name: out / v["path"] for name, v in variants.items()}

    dup = path["duplicate"]
    assert dup.name != base.name and dup.read_bytes() == base.read_bytes()
    # The 15-July rule is the pipeline's: the reader takes the file, an automated import refuses it,
    # the first import of a year does not (it lists it).
    late = read_edt(path["end-date-late"])
    assert late.rejections == () and late.header.ends_on == date(2027, 7, 20)
    v = variants["end-date-late"]
    assert (v["stage"], v["outcome"], v["needs"], v["reason"]) == (
        "pipeline",
        "rejected",
        "base",
        "end_date_after_15_july",
    )
    assert "parser" not in v
    check = dict(uai=first_uai, uai_known=True, copies=[], school_year=2026, ends_on=late.header.ends_on)
    assert refusal(**check, automatic=True).reason == v["reason"]
    assert refusal(**check, automatic=False) is None
    assert refusal(**{**check, "ends_on": read_edt(base).header.ends_on}, automatic=True) is None
    with pytest.raises(DeliveryRejected) as exc:
        read_sts(path["edt-sts"])
    assert exc.value.reason == variants["edt-sts"]["reason"]
    with pytest.raises(DeliveryRejected) as exc:
        read_edt(path["edt-sts"])
    assert exc.value.reason == "unknown_format"
    with pytest.raises(DeliveryRejected) as exc:
        read_edt(path["malformed"])
    assert exc.value.reason == variants["malformed"]["reason"] == "malformed_xml"
    # Records set aside: the group of the bad code with its courses, one course; applied (under 20 %).
    bad = read_edt(path["bad-code"])
    v = variants["bad-code"]
    assert (v["stage"], v["outcome"], v["reason"], v["needs"]) == ("parser", "applied", "", "base")
    assert len(v["bad_code"]) == 9 and bad.set_aside.groups == (v["group_ident"],)
    assert [(r.reason, r.record_id) for r in bad.rejections][0] == (v["record_reason"], v["group_ident"])
    aside_courses = [r for r in bad.rejections[1:]]
    assert aside_courses and {r.reason for r in aside_courses} == {"structure_set_aside"}
    assert len(bad.set_aside.courses) == len(aside_courses) == v["set_aside"]["courses"][0]
    assert all(v["group_ident"] in r.groups for r in bad.set_aside.courses)
    orphan = read_edt(path["invalid-record"])
    v = variants["invalid-record"]
    assert (v["stage"], v["outcome"], v["reason"], v["needs"]) == ("parser", "applied", "", "base")
    assert [r.reason for r in orphan.rejections] == [v["record_reason"]] == ["unknown_reference"]
    assert [r.teachers for r in orphan.set_aside.courses] == [(v["unknown_ident"],)]
    spoilt = read_edt(path["too-many-set-aside"])
    v = variants["too-many-set-aside"]
    assert (v["stage"], v["outcome"], v["reason"], v["needs"]) == ("pipeline", "rejected", "too_many_set_aside", "base")
    assert {r.reason for r in spoilt.rejections} == {v["record_reason"]} == {"invalid_value"}
    assert {r.field for r in spoilt.rejections} == {"Cours/@Jour"}
    counted = spoilt.read["courses"] - spoilt.subject_only
    assert len(spoilt.rejections) == v["courses_set_aside"] >= 0.3 * counted > len(spoilt.rejections) - 1
    assert spoilt.subject_only == read_edt(base).subject_only  # subject-only courses are not spoilt
    # What the pipeline makes of them, against the directory that knows the base's people and structures
    # (as the AAF does): the generator's shares set aside are the pipeline's, and only the last goes
    # over the limit of automated imports.
    view = directory(first_uai, base)
    limits = Policy().timetable_set_aside_limits
    base_matched = match_edt(read_edt(base), view, PEPPER)
    assert set_aside_refusal(base_matched.set_aside_share, limits) is None
    for name, rejected in (("bad-code", False), ("invalid-record", False), ("too-many-set-aside", True)):
        matched = match_edt(
            read_edt(path[name]), view, PEPPER, before=base_matched.snapshot, previous=base_matched.matches
        )
        assert matched.set_aside_share == {k: tuple(x) for k, x in variants[name]["set_aside"].items()}, name
        stop = set_aside_refusal(matched.set_aside_share, limits)
        assert (stop.reason if stop else "") == ("too_many_set_aside" if rejected else ""), name
        if not rejected:  # applied: what is set aside keeps what the base applied, no threshold counts it
            assert exceeded(diff(base_matched.snapshot, matched.snapshot), DEFAULT_THRESHOLDS) == {}, name
    assert stop.details["kinds"].keys() == {"courses"}
    unknown = read_edt(path["unknown-uai"])
    assert unknown.rejections == () and uai_is_valid(unknown.header.uai)
    assert unknown.header.uai == variants["unknown-uai"]["variant_uai"] not in uais(m)

    # the pipeline's comparison with the export it follows (events.timetable)
    before = snapshot(base)
    assert exceeded(diff(before, snapshot(dup)), DEFAULT_THRESHOLDS) == {}
    for name in ("too-many-changes", "structure-deleted"):
        assert read_edt(path[name]).rejections == ()
        assert variants[name]["reason"] == "threshold_exceeded"
        over = exceeded(diff(before, snapshot(path[name])), DEFAULT_THRESHOLDS)
        assert set(variants[name]["thresholds"]) <= set(over), name
    deleted = diff(before, snapshot(path["structure-deleted"])).structures_deleted_with_sessions
    assert deleted == (variants["structure-deleted"]["deleted_class"],)


def directory(uai: str, path: Path) -> DirectoryView:
    """The directory as the AAF gives it for an export: its classes, groups, teachers and students."""
    e = read_edt(path)
    people = [Person(f"ens:{t.sts_id}", "ENSEIGNANT", sts_id=t.sts_id, local=True) for t in e.teachers]
    people += [
        Person(f"ele:{s.eleve_id}", "ELEVE", ine=s.ine or "", eleve_id=s.eleve_id, local=True) for s in e.students
    ]
    return DirectoryView(
        uai, True, frozenset(c.name for c in e.classes), frozenset(g.name for g in e.groups), tuple(people)
    )


def test_timetable_shape_and_end_of_year_options(tmp_path):
    m = generate(
        tmp_path,
        "--sources",
        "timetable",
        "--no-second",
        "--edt-shape",
        "legacy",
        "--edt-ends-on",
        "08-31",
        students=300,
    )
    assert (m["options"]["edt_shape"], m["options"]["edt_ends_on"]) == ("legacy", "08-31")
    ((uai, rel),) = m["sources"]["timetable"][FIRST].items()
    text = (tmp_path / rel).read_text(encoding="utf-8")
    assert 'Version="2019.0.2.1"' in text and "IDSTS=" not in text and " IDPN=" not in text
    edt = read_edt(tmp_path / rel)
    assert edt.rejections == () and edt.header.version == "2019.0.2.1"
    assert edt.header.ends_on == date(2027, 8, 31)
    assert all(t.sts_id is None and t.birth_date is None and t.pronote_id and t.family_name for t in edt.teachers)
    assert len({t.pronote_id for t in edt.teachers}) == len(edt.teachers)
    assert all(s.birth_date for s in edt.students)  # students keep their birth dates
    # the masks still stop with the teaching year, in July
    assert all(weeks_of(c.weeks) == SCHOOL_WEEKS for c in edt.courses if c.classes or c.groups)
    # a base ending after 15 July: every automated import of a variant is refused for it first
    variants = {v["name"]: v for v in m["sources"]["variants"]}
    for name, v in variants.items():
        if v["source"] == "timetable" and v["needs"] == "base":
            expected = "duplicate_file" if name == "duplicate" else "end_date_after_15_july"
            assert (v["outcome"], v["reason"], v["hand_matches"]) == ("rejected", expected, "teachers"), name
    assert (
        refusal(uai=uai, uai_known=True, copies=[], school_year=2026, ends_on=edt.header.ends_on, automatic=True).reason
        == "end_date_after_15_july"
    )
    # a legacy export matches no teacher by itself (no IDSTS, no birth date): they wait for an
    # operator's hand matches, and are not imported meanwhile
    matched = match_edt(edt, DirectoryView(uai, True, frozenset(c.name for c in edt.classes)), PEPPER)
    assert not [x for x in matched.matches if x.kind == "teacher" and x.matched]
    assert matched.set_aside_share["teachers"] == (len(edt.teachers), len(edt.teachers))
    for bad in ("8-31", "13-01", "02-30", "0831"):
        with pytest.raises(SystemExit):
            run([str(tmp_path / "x"), "--sources", "timetable", "--edt-ends-on", bad])
    with pytest.raises(SystemExit):
        run([str(tmp_path / "x"), "--sources", "timetable", "--edt-shape", "2019"])


def test_moderate_change_stays_under_every_threshold(acad):
    out, m, _, _ = acad
    v = next(v for v in m["sources"]["variants"] if v["name"] == "moderate-change")
    assert (v["outcome"], v["reason"], v["needs"]) == ("applied", "", "base")
    assert (v["cancelled"], v["moved"], v["services_reassigned"]) == (3, 2, 1)
    moderate = read_edt(out / v["path"])
    assert moderate.rejections == ()
    changes = diff(snapshot(out / v["base"]), snapshot(out / v["path"]))
    assert exceeded(changes, DEFAULT_THRESHOLDS) == {}
    assert {name: changes.count(name) for name in v["expected"]} == v["expected"]
    assert v["expected"]["sessions_removed"] > 5  # the reassigned service's sessions name another teacher


def test_siecle_variants_are_refused_by_the_reader(acad):
    out, m, _, _ = acad
    variants = {v["name"]: v for v in m["sources"]["variants"] if v["source"] == "siecle"}
    assert set(variants) == SIECLE_VARIANTS
    uai = uais(m)[0]
    base_rel = m["sources"]["siecle"][SECOND][uai]["eleves"]
    base = read_eleves(out / base_rel)
    for name, v in variants.items():
        assert v["base"] == base_rel and v["outcome"] == "rejected"
        if v["stage"] == "parser":
            with pytest.raises(DeliveryRejected) as exc:
                read_eleves(out / v["path"])
            assert exc.value.reason == v["reason"], name
    # The two the pipeline refuses read like the base: same records, other bytes or an older date.
    dup = out / variants["siecle-duplicate"]["path"]
    assert dup.read_bytes() == (out / base_rel).read_bytes() and dup.name != Path(base_rel).name
    older = read_eleves(out / variants["siecle-older-export"]["path"])
    assert older.students == base.students and older.rejections == ()
    assert older.header.exported_on == base.header.exported_on - timedelta(days=7)
    assert older.header.exported_on.isoformat() == variants["siecle-older-export"]["variant_exported_on"]
