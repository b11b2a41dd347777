"""A school year told as a story, on SQLite and PostgreSQL: the rentrée
delivery, the 48 h creation, the November delivery with leavers and
arrivals, Toussaint removals, and the read model equal to a rebuild."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from daemon import bootstrap
from daemon.bootstrap import TimeWentBackwards
from daemon.history.account import history
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from projections import account_queries, anomaly_queries, delivery_queries
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.schema import dump
from tests.integration.conftest import T0, T1, T_CREATE, academie_started, rebuilt

TOUSSAINT_2027 = datetime(2027, 10, 23, tzinfo=timezone.utc)


def states(ctx) -> dict[str, str]:
    return {r["jointure"]: r["state"] for r in account_queries.accounts(ctx.db)}


def live(ctx) -> dict:
    return dump(ctx.db)


@pytest.fixture
def started(request, backend, academie):
    """A context on a copy of the store where the year started (the first
    delivery applied at T0, its accounts created at T_CREATE), the state most
    stories here start from."""
    ctx = bootstrap.build(academie_started(request, backend, academie), Policy())
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def heavy(tmp_path_factory):
    """The académie's November delivery with 30 % of it departed."""
    from generator.cli import run as generate

    out = tmp_path_factory.mktemp("heavy")
    assert generate([str(out), "--students", "400", "--seed", "7", "--churn", "0.3"]) == 0
    return out / "aaf" / "20261105-complet"


def test_rentree_creates_accounts_48h_after_first_seen(ctx, academie):
    result = ingest(str(academie.first), ctx, T0)
    assert result.status == "applied", result.message
    accounts = account_queries.accounts(ctx.db)
    students = [a for a in accounts if a["profile"] == "ELEVE"]
    delivered = academie.manifest["deliveries"][f"{academie.manifest['dates']['first']}-complet"]["records"]
    assert len(students) == delivered["Eleve"]["add"]
    assert {a["state"] for a in accounts} == {"pending"}
    assert {a["creation_due"] for a in accounts} == {(T0 + timedelta(hours=48)).isoformat()}

    _, early = tick(ctx, T0 + timedelta(hours=47))
    assert early == []
    assert set(states(ctx).values()) == {"pending"}

    _, due = tick(ctx, T_CREATE)
    created = [t for t in due if t.kind == "create"]
    assert created and all(t.login for t in created)
    logins = [t.login for t in created]
    assert len(logins) == len(set(logins)), "logins are unique"
    after = states(ctx)
    assert {s for s in after.values()} <= {"active", "no_account"}
    declined = [t for t in due if t.kind == "decline"]
    assert all(t.profile == "PARENT" and t.reason == "no_legal_link" for t in declined)


def test_guardians_with_only_contact_links_get_no_account(started, academie):
    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    legal = {r[0] for r in ctx.db.query("SELECT guardian_jointure FROM guardian_links WHERE resp_legal IN ('1', '2')")}
    for row in account_queries.accounts(ctx.db, profile="PARENT"):
        assert (row["state"] == "active") == (row["jointure"] in legal), row["jointure"]


def test_second_delivery_departures_arrivals_duplicates_and_toussaint(started, academie):
    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    logins_before = {r["jointure"]: r["login"] for r in account_queries.accounts(ctx.db)}
    result = ingest(str(academie.second), ctx, T1)
    assert result.status == "applied", result.message
    churn = academie.manifest["churn"]
    now = states(ctx)
    for jointure in churn["students_left"]:
        assert now[jointure] == "departing", jointure
    for jointure in churn["students_arrived"]:
        assert now[jointure] == "pending", jointure
    kept, dup = academie.manifest["duplicates"][0]
    assert now[dup] == "deactivated" and now[kept] == "active"
    leaver = account_queries.account_detail(ctx.db, churn["students_left"][0])
    # Left on 5 November 2026, after Toussaint 2026: kept until Toussaint 2027 (Paris time).
    assert datetime.fromisoformat(leaver["removal_due"]) == datetime(2027, 10, 22, 22, 0, tzinfo=timezone.utc)
    assert leaver["login"] == logins_before[leaver["jointure"]]
    dup_row = account_queries.account_detail(ctx.db, dup)
    assert datetime.fromisoformat(dup_row["removal_due"]) == T1 + timedelta(days=42)

    _, plan = tick(ctx, T1 + timedelta(days=43), dry_run=True)
    assert [t.jointure for t in plan if t.kind == "remove"] == [dup]

    tick(ctx, T1 + timedelta(days=43))
    _, plan = tick(ctx, TOUSSAINT_2027, dry_run=True)
    removed = {t.jointure for t in plan if t.kind == "remove"}
    assert set(churn["students_left"]) <= removed
    tick(ctx, TOUSSAINT_2027)
    final = states(ctx)
    assert all(final[j] == "removed" for j in churn["students_left"])
    # A guardian is removed with the last of their children.
    for guardian in account_queries.accounts(ctx.db, profile="PARENT"):
        detail = account_queries.account_detail(ctx.db, guardian["jointure"])
        if detail["students"] and all(s["state"] == "removed" for s in detail["students"]) and detail["login"]:
            assert detail["state"] == "removed", guardian["jointure"]
    assert live(ctx) == rebuilt(ctx)


def test_reappearing_person_returns_active_with_same_login(started, academie, academie_regenerated):
    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    churn = academie.manifest["churn"]
    leaver = churn["students_left"][0]
    login = account_queries.account_detail(ctx.db, leaver)["login"]
    ingest(str(academie.second), ctx, T1)
    assert states(ctx)[leaver] == "departing"
    # Re-enrolment: the rentrée content comes back in a new delivery.
    result = ingest(str(academie_regenerated.first), ctx, T1 + timedelta(days=1))
    assert result.status == "applied", result.message
    row = account_queries.account_detail(ctx.db, leaver)
    assert (row["state"], row["login"]) == ("active", login)
    # Arrivals of November still pending are gone again before creation: never created.
    assert all(states(ctx)[j] == "withdrawn" for j in churn["students_arrived"])
    events = [e["event"] for e in history(ctx.log, leaver)]
    assert events[-2:] == ["Departed", "Reappeared"]


def test_same_delivery_twice_records_nothing(ctx, academie):
    ingest(str(academie.first), ctx, T0)
    top = ctx.log.max_position()
    again = ingest(str(academie.first), ctx, T0 + timedelta(hours=1))
    assert again.status == "already-applied"
    assert ctx.log.max_position() == top


def test_regenerated_unchanged_content_records_no_person_event(ctx, academie, academie_regenerated):
    ingest(str(academie.first), ctx, T0)
    top = ctx.log.max_position()
    result = ingest(str(academie_regenerated.first), ctx, T0 + timedelta(days=14))
    assert result.status == "applied"
    assert result.counts.get("added", 0) == 0 and result.counts.get("changed", 0) == 0
    assert result.counts.get("departed", 0) == 0
    new_events = [type(ev).__qualname__ for _, ev in ctx.log.iter_events(after=top)]
    assert new_events and all(name.startswith("Delivery.") for name in new_events), new_events


def test_delta_gives_the_same_directory_as_the_second_complete(request, backend, academie, tmp_path):
    results = {}
    (tmp_path / "delta").mkdir()
    for name, second in (("complete", academie.second), ("delta", academie.delta)):
        # The complete delivery on this backend, the delta on SQLite, both after the year started.
        on = (backend, tmp_path) if name == "complete" else ("sqlite", tmp_path / "delta")
        c = bootstrap.build(academie_started(request, on[0], academie, on[1]), Policy())
        r = ingest(str(second), c, T1)
        assert r.status == "applied", r.message
        results[name] = {row["jointure"]: (row["state"], row["login"]) for row in account_queries.accounts(c.db)}
        attrs = {j: a for j, a in c.db.query("SELECT jointure, attrs FROM accounts")}
        results[name + "_attrs"] = attrs
        c.close()
    dup = academie.manifest["duplicates"][0][1]
    # A delta cannot say "corrected duplicate": it deletes; the complete deactivates.
    complete, delta = dict(results["complete"]), dict(results["delta"])
    assert complete.pop(dup)[0] == "deactivated" and delta.pop(dup)[0] == "departing"
    assert complete == delta
    assert results["complete_attrs"] == results["delta_attrs"]


def test_time_never_goes_backwards(ctx, academie):
    ingest(str(academie.first), ctx, T0)
    with pytest.raises(TimeWentBackwards):
        tick(ctx, T0 - timedelta(seconds=1))


def test_as_of_shows_the_state_at_a_past_effective_time(started, academie):
    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    ingest(str(academie.second), ctx, T1)
    leaver = academie.manifest["churn"]["students_left"][0]
    for when, expected in (
        (T0, "pending"),
        (T_CREATE, "active"),
        (T1 - timedelta(seconds=1), "active"),
        (T1, "departing"),
    ):
        mem = Database("sqlite:///:memory:")
        DirectoryProjection(mem).catch_up(ctx.log, until=when)
        assert account_queries.account_detail(mem, leaver)["state"] == expected, when
        mem.close()


def test_mass_departure_is_held_then_released_or_rejected(request, backend, academie, heavy, tmp_path):
    (tmp_path / "reject").mkdir()
    for decision in ("release", "reject"):
        # Released on this backend, rejected on SQLite, both after the year started.
        on = (backend, tmp_path) if decision == "release" else ("sqlite", tmp_path / "reject")
        c = bootstrap.build(academie_started(request, on[0], academie, on[1]), Policy())
        before = states(c)
        held = ingest(str(heavy), c, T1)
        assert held.status == "held" and held.reason == "mass_departure" and held.exit_code == 2
        assert states(c) == before, "a held delivery has no visible effect"
        delivery = c.log.delivery(held.delivery_id)
        if decision == "release":
            from events.usecases.aaf_operator import release

            done = release(delivery, "ops", c, T1 + timedelta(minutes=5))
            assert done.status == "applied"
            assert sum(1 for s in states(c).values() if s == "departing") >= 30
        else:
            from events.usecases.aaf_operator import reject

            reject(delivery, "ops", c, T1 + timedelta(minutes=5))
            assert states(c) == before
            assert delivery_queries.delivery(c.db, held.delivery_id)["status"] == "rejected"
        assert live(c) == rebuilt(c)
        c.close()


def test_incremental_read_model_equals_rebuild_after_restart(request, backend, academie):
    # The year started in a context closed since: this one is the restart.
    c = bootstrap.build(academie_started(request, backend, academie), Policy())
    ingest(str(academie.second), c, T1)
    tick(c, T1 + timedelta(days=50))
    assert live(c) == rebuilt(c)
    c.close()


def test_missing_calendar_year_is_provisional_then_rescheduled(request, backend, academie):
    from datetime import date

    store_url = academie_started(request, backend, academie)
    c = bootstrap.build(store_url, Policy())
    late = datetime(2027, 11, 5, 6, tzinfo=timezone.utc)  # Toussaint 2028 is not shipped
    ingest(str(academie.second), c, late)
    leaver = academie.manifest["churn"]["students_left"][0]
    row = account_queries.account_detail(c.db, leaver, now=late)
    assert row["removal_provisional"] == 1 and "provisional_removal_date" in row["anomalies"]
    assert any(
        a["anomaly"] == "provisional_removal_date" and a["jointure"] == leaver
        for a in anomaly_queries.anomalies(c.db, late, timedelta(hours=1))
    )
    c.close()
    c = bootstrap.build(store_url, Policy(toussaint={2028: date(2028, 10, 14)}))
    _, done = tick(c, late + timedelta(days=1))
    assert any(t.kind == "reschedule" and t.jointure == leaver for t in done)
    row = account_queries.account_detail(c.db, leaver)
    assert row["removal_provisional"] == 0
    assert datetime.fromisoformat(row["removal_due"]) == datetime(2028, 10, 13, 22, tzinfo=timezone.utc)
    assert live(c) == rebuilt(c)
    c.close()


def test_name_correction_keeps_the_login(started, academie):
    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    renamed = academie.manifest["churn"]["guardians_renamed"]
    assert renamed
    before = {j: account_queries.account_detail(ctx.db, j) for j in renamed}
    ingest(str(academie.second), ctx, T1)
    for jointure in renamed:
        after = account_queries.account_detail(ctx.db, jointure)
        assert after["attributes"]["sn"] != before[jointure]["attributes"]["sn"]
        assert after["login"] == before[jointure]["login"] != ""


def test_per_establishment_delivery_covers_only_its_uai(started, academie, tmp_path):
    """`ENT_<UAI>_Complet_…` files cover that establishment only (domain-rules §11)."""
    import shutil

    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    uai = academie.manifest["establishments"][0]["uai"]
    per_etab = tmp_path / "per-etab"
    per_etab.mkdir()
    for part in academie.second.glob("*.xml"):
        shutil.copy(part, per_etab / part.name.replace("ENTACAD_", f"ENT_{uai}_"))
    result = ingest(str(per_etab), ctx, T1)
    assert result.status == "applied", result.message
    now = states(ctx)
    assert all(now[j] == "departing" for j in academie.manifest["churn"]["students_left"])
    assert live(ctx) == rebuilt(ctx)


def test_operator_hold_on_removals(started, academie):
    """Purge safety (domain-rules §11): while held, due removals are listed, not recorded."""
    from events.usecases.tick import hold_removals, lift_hold, purge_hold

    ctx = started  # the first delivery applied at T0, its accounts created at T_CREATE
    ingest(str(academie.second), ctx, T1)
    hold_removals(ctx, "ops", "checking the November delivery", T1 + timedelta(days=1))
    assert purge_hold(ctx)["held"] is True and purge_hold(ctx)["operator"] == "ops"
    _, held = tick(ctx, TOUSSAINT_2027)
    leavers = set(academie.manifest["churn"]["students_left"])
    assert leavers <= {t.jointure for t in held if t.kind == "remove-held"}
    assert not [t for t in held if t.kind == "remove"]
    assert all(states(ctx)[j] == "departing" for j in leavers)
    lift_hold(ctx, "ops", TOUSSAINT_2027 + timedelta(hours=1))
    assert purge_hold(ctx)["held"] is False
    _, done = tick(ctx, TOUSSAINT_2027 + timedelta(hours=2))
    assert leavers <= {t.jointure for t in done if t.kind == "remove"}
    assert all(states(ctx)[j] == "removed" for j in leavers)
    assert live(ctx) == rebuilt(ctx)
