"""Stories of the brakes on mass departures (domain-rules §11, §12), through
the real ingest on both stores: a delta deleting a school is held and a
later delta waits behind it; the August delivery that opens the year with
its final-year students leaving is not held, while a real mass departure in
it is; all the teachers of a school vanishing is held.

The deliveries are written here from the generator's files with lxml, in
the ficAlimMENESR shape of formats §1 (never by the code under test)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from daemon.cli import main
from events.usecases.aaf_ingest import ingest
from events.usecases.aaf_operator import reject, release
from projections import delivery_queries
from projections.schema import dump
from tests.integration.conftest import academie_started, make_academie, rebuilt

UTC = timezone.utc
JUNE = datetime(2026, 6, 15, 6, tzinfo=UTC)  # last delivery of school year 2025
JUNE_CREATE = datetime(2026, 6, 17, 7, tzinfo=UTC)
AUGUST = datetime(2026, 8, 25, 6, tzinfo=UTC)  # the rentrée delivery: opens school year 2026
SEPTEMBER = datetime(2026, 9, 10, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def two_schools(tmp_path_factory):
    """A lycée and a collège, delivered on 15 June 2026 (school year 2025)."""
    return make_academie(
        tmp_path_factory.mktemp("brakes"),
        "--students",
        "1300",
        "--seed",
        "5",
        "--date",
        "20260615",
        "--school-year",
        "2025",
        "--no-second",
    )


def _value(request, name: str) -> str:
    for attr in request.iter("attr"):
        if attr.get("name") == name:
            v = attr.find("value")
            return (v.text or "").strip() if v is not None else ""
    return ""


def _id(request) -> str:
    return request.findtext("identifier/id").strip()


def rewrite_complete(source: Path, out: Path, date: str, drop) -> set[str]:
    """Copy a complete delivery under another date, without the records for
    which ``drop(category, request)`` is true. Returns the dropped ids."""
    out.mkdir(parents=True)
    dropped: set[str] = set()
    for f in sorted(source.glob("*.xml")):
        category = f.name.split("_")[-2]
        tree = etree.parse(str(f), etree.XMLParser(resolve_entities=False, no_network=True))
        root = tree.getroot()
        for request in list(root):
            if isinstance(request.tag, str) and drop(category, request):
                dropped.add(_id(request))
                root.remove(request)
        name = f.name.replace(source.name.split("-")[0], date)
        tree.write(str(out / name), xml_declaration=True, encoding=tree.docinfo.encoding)
    return dropped


def write_delta(out: Path, prefix: str, date: str, deletes: dict[str, list[str]]) -> Path:
    """A delta of ``deleteRequest``s only, one part per category (formats §1)."""
    out.mkdir(parents=True)
    for category, ids in deletes.items():
        body = "".join(
            f'<deleteRequest><operationalAttributes><attr name="categoriePersonne"><value>{category}</value>'
            f"</attr></operationalAttributes><identifier><id>{i}</id></identifier></deleteRequest>\n"
            for i in ids
        )
        (out / f"{prefix}_Delta_{date}_{category}_0000.xml").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- versionAF="AAF-VE1803" -->\n<ficAlimMENESR>\n{body}'
            "</ficAlimMENESR>\n",
            encoding="utf-8",
        )
    return out


def persons_of(ctx, uai: str) -> dict[str, list[str]]:
    """Category → jointures of the accounts attached to the structure ``uai``."""
    out: dict[str, list[str]] = {}
    for cat, jointure in ctx.db.query(
        "SELECT a.category, a.jointure FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
        "JOIN structures t ON t.jointure = s.structure WHERE t.uai = ? ORDER BY a.category, a.jointure",
        (uai,),
    ):
        out.setdefault(cat, []).append(jointure)
    return out


def states(ctx) -> dict[str, str]:
    ctx.projection.catch_up(ctx.log)
    return dict(ctx.db.query("SELECT jointure, state FROM accounts"))


def live(ctx) -> dict:
    return dump(ctx.db)


@pytest.fixture
def store_url(request, backend, two_schools):
    """A store where school year 2025 has started: June's delivery applied and
    its accounts created. Every story here starts from it: it is made once per
    backend and each test gets a copy of it."""
    return academie_started(request, backend, two_schools, key="brakes-june", at=JUNE, created=JUNE_CREATE)


def _started(ctx, academie):
    """The establishments of the year the store started (store_url): its accounts are created."""
    assert "active" in states(ctx).values()
    return {e["uai"]: e for e in academie.manifest["establishments"]}


@pytest.mark.parametrize("decision", ["release", "reject"])
def test_a_delta_deleting_a_school_is_held_and_a_later_delta_waits_behind_it(
    ctx, store_url, two_schools, tmp_path, decision, capsys
):
    schools = _started(ctx, two_schools)  # within school year 2025: no final-year discount
    college = next(u for u, e in schools.items() if e["kind"] == "CLG")
    lycee = next(u for u in schools if u != college)
    doomed = persons_of(ctx, college)
    before = states(ctx)
    wipe = ingest(
        str(write_delta(tmp_path / "wipe", "ENTACAD", "20260620", doomed)), ctx, datetime(2026, 6, 20, 6, tzinfo=UTC)
    )
    assert wipe.status == "held" and wipe.reason == "mass_departure" and wipe.exit_code == 2
    assert college in wipe.message and "students" in wipe.message
    assert states(ctx) == before, "a held delta has no visible effect"

    # A later delta of the same (académie-wide) scope waits, nothing applied.
    one = persons_of(ctx, lycee)["Eleve"][:1]
    later = ingest(
        str(write_delta(tmp_path / "later", "ENTACAD", "20260621", {"Eleve": one})),
        ctx,
        datetime(2026, 6, 21, 6, tzinfo=UTC),
    )
    assert later.status == "waiting" and later.reason == "behind_held_delivery" and later.exit_code == 2
    assert wipe.delivery_id in later.message
    assert states(ctx) == before
    shutil.rmtree(tmp_path / "later")  # what waits is kept in the store, not in the inbox's files

    # The operator sees who would depart and why, by structure and population.
    assert main(["--store", store_url, "deliveries", "show", wipe.delivery_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "held" and shown["waiting"] == [later.delivery_id]
    over = {(c["uai"], c["population"]) for c in shown["brake"] if c["held"]}
    assert (college, "students") in over and (college, "teaching_staff") in over
    listed = {d["jointure"]: d for d in shown["departures"]}
    assert set(listed) == {j for ids in doomed.values() for j in ids}
    student = listed[doomed["Eleve"][0]]
    assert student["reason"] == "deleted_by_delta" and student["counted"] is True and student["login"]
    assert student["uais"] == [college]
    counts = {(c["uai"], c["population"]): c for c in shown["brake"]}
    assert counts[(college, "students")]["counted"] == len(doomed["Eleve"])
    assert counts[(college, "students")]["accounts"] == len(doomed["Eleve"])

    at = datetime(2026, 6, 22, 6, tzinfo=UTC)
    if decision == "release":
        result = release(ctx.log.delivery(wipe.delivery_id), "ops", ctx, at)
        assert result.status == "applied"
        followed = result.followed
        gone = {j for ids in doomed.values() for j in ids} | set(one)
    else:
        followed = reject(ctx.log.delivery(wipe.delivery_id), "ops", ctx, at)
        gone = set(one)
    assert [(r.delivery_id, r.status) for r in followed] == [(later.delivery_id, "applied")]
    after = states(ctx)
    changed = {j for j, s in after.items() if s != before[j]}
    assert changed == {j for j in gone if before[j] in ("pending", "active")}  # no_account guardians stay so
    assert all(after[j] in ("departing", "removed") for j in one)
    assert delivery_queries.delivery(ctx.db, later.delivery_id)["status"] == "applied"
    assert not ctx.staging.has_parked(later.delivery_id)
    assert live(ctx) == rebuilt(ctx)


def test_the_rentree_delivery_with_its_final_year_leaving_is_not_held_but_a_real_mass_departure_in_it_is(
    ctx, two_schools, tmp_path
):
    schools = _started(ctx, two_schools)
    college = next(u for u, e in schools.items() if e["kind"] == "CLG")
    college_sj = schools[college]["sj"]
    final = {"103", "202", "212"}

    def leaving(category, request, also_fifth=False):
        if category != "Eleve":
            return False
        mef = _value(request, "ENTEleveMEF")
        if mef[:3] in final:
            return True
        # A real mass departure: the collège's 5e vanish too (an extraction error).
        return also_fifth and mef.startswith("101") and _value(request, "ENTPersonStructRattach") == college_sj

    mass = tmp_path / "mass" / "ENTACAD-20260825-complet"
    fifth_and_final = rewrite_complete(two_schools.first, mass, "20260825", lambda c, r: leaving(c, r, also_fifth=True))
    rentree = tmp_path / "ok" / "ENTACAD-20260825-complet"
    final_only = rewrite_complete(two_schools.first, rentree, "20260825", leaving)
    assert len(final_only) > 100 and len(fifth_and_final) - len(final_only) >= 30

    before = states(ctx)
    held = ingest(str(mass), ctx, AUGUST)
    assert held.status == "held" and held.reason == "mass_departure"
    details = delivery_queries.delivery(ctx.db, held.delivery_id)
    assert details["details"]["opens_school_year"] is True
    over = [c for c in details["brake"] if c["held"]]
    assert [(c["uai"], c["population"]) for c in over] == [(college, "students")]
    assert over[0]["counted"] == len(fifth_and_final) - len(final_only)
    assert over[0]["expected"] == sum(
        1 for d in details["departures"] if d["uais"] == [college] and d["expected"] == "final_year"
    )
    assert states(ctx) == before
    reject(ctx.log.delivery(held.delivery_id), "ops", ctx, AUGUST + timedelta(minutes=5))

    applied = ingest(str(rentree), ctx, AUGUST + timedelta(hours=1))
    assert applied.status == "applied", applied.message
    after = states(ctx)
    assert {j for j in final_only if after.get(j) == "departing"} == final_only
    assert live(ctx) == rebuilt(ctx)


def test_the_same_departures_outside_the_rentree_are_held(ctx, two_schools, tmp_path):
    """The final-year discount belongs to the delivery that opens a school
    year: the same leavers in a September delivery are a mass departure."""
    _started(ctx, two_schools)
    august = tmp_path / "aug" / "ENTACAD-20260825-complet"
    rewrite_complete(two_schools.first, august, "20260825", lambda c, r: False)
    assert ingest(str(august), ctx, AUGUST).status == "applied"  # the rentrée delivery opens school year 2026
    out = tmp_path / "sept" / "ENTACAD-20260910-complet"
    rewrite_complete(
        two_schools.first,
        out,
        "20260910",
        lambda c, r: c == "Eleve" and _value(r, "ENTEleveMEF")[:3] in {"103", "202", "212"},
    )
    held = ingest(str(out), ctx, SEPTEMBER)
    assert held.status == "held" and held.reason == "mass_departure"


def test_every_teacher_of_a_school_vanishing_is_held(ctx, two_schools, tmp_path):
    schools = _started(ctx, two_schools)
    college = next(u for u, e in schools.items() if e["kind"] == "CLG")
    sj = schools[college]["sj"]
    teachers = {
        j
        for (j,) in ctx.db.query(
            "SELECT a.jointure FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
            "WHERE s.structure = ? AND a.profile = 'ENSEIGNANT'",
            (sj,),
        )
    }
    assert len(teachers) >= 10
    out = tmp_path / "ENTACAD-20260910-complet"
    dropped = rewrite_complete(
        two_schools.first, out, "20260910", lambda c, r: c == "PersEducNat" and _id(r) in teachers
    )
    assert dropped == teachers
    before = states(ctx)
    held = ingest(str(out), ctx, SEPTEMBER)
    assert held.status == "held"
    over = [c for c in delivery_queries.delivery(ctx.db, held.delivery_id)["brake"] if c["held"]]
    assert [(c["uai"], c["population"], c["counted"], c["accounts"]) for c in over] == [
        (college, "teaching_staff", len(teachers), len(teachers))
    ]
    assert states(ctx) == before


def test_a_few_teachers_leaving_at_the_rentree_is_not_held(ctx, two_schools, tmp_path):
    schools = _started(ctx, two_schools)
    college = next(u for u, e in schools.items() if e["kind"] == "CLG")
    teachers = sorted(
        j
        for (j,) in ctx.db.query(
            "SELECT a.jointure FROM accounts a JOIN account_structures s ON s.account_id = a.account_id "
            "WHERE s.structure = ? AND a.profile = 'ENSEIGNANT'",
            (schools[college]["sj"],),
        )
    )[:5]
    out = tmp_path / "ENTACAD-20260910-complet"
    rewrite_complete(two_schools.first, out, "20260910", lambda c, r: c == "PersEducNat" and _id(r) in teachers)
    assert ingest(str(out), ctx, SEPTEMBER).status == "applied"
    after = states(ctx)
    assert all(after[j] == "departing" for j in teachers)
