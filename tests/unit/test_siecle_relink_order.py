"""The order of the sources does not change the links (domain-rules §11,
Precedence: SIECLE may come first). On a generated académie, the students'
and guardians' SIECLE exports imported before the AAF's complete delivery,
then a tick, leave every record linked as importing them after the AAF
does: the relink correlates the students first, then the guardians, whose
rule "name + the linked student" needs the student's link."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.siecle import read_responsables
from daemon import bootstrap
from events.faults import CountingFaults
from events.policy import Policy
from events.usecases import siecle_relink
from events.usecases.aaf_ingest import ingest
from events.usecases.siecle_import import ingest_siecle
from events.usecases.tick import tick
from generator.cli import run as generate

T_SIECLE = datetime(2026, 8, 17, 8, tzinfo=timezone.utc)
T_AAF = datetime(2026, 8, 18, 6, tzinfo=timezone.utc)
T_AFTER = datetime(2026, 8, 18, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def academie(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The first complete delivery and the establishment's two SIECLE exports."""
    root = tmp_path_factory.mktemp("relink-order")
    assert generate([str(root), "--students", "30", "--seed", "11", "--sources", "aaf,siecle", "--no-second"]) == 0
    manifest = json.loads((root / "manifest.json").read_text())
    first = manifest["dates"]["first"]
    ((_, files),) = manifest["sources"]["siecle"][first].items()
    delivery = root / manifest["deliveries"][f"{first}-complet"]["path"]
    # The generator's PERSONNE_IDs are the AAF jointures; one retyped (another
    # SIECLE base) is found only by name among its linked child's guardians.
    responsables = root / files["responsables"]
    retyped = next(lk.personne_id for lk in read_responsables(responsables).links if lk.level == 1)
    responsables.write_bytes(
        responsables.read_bytes()
        .replace(f'PERSONNE_ID="{retyped}"'.encode(), b'PERSONNE_ID="P1"')
        .replace(f"<PERSONNE_ID>{retyped}</PERSONNE_ID>".encode(), b"<PERSONNE_ID>P1</PERSONNE_ID>")
    )
    return delivery, root / files["eleves"], responsables


def links(uow, kind: str) -> dict[str, tuple[str, str, str, str]]:
    """Key → (status, jointure, rule, reason) of the records of a kind."""
    return {
        key: (status, jointure, rule, reason)
        for key, status, jointure, rule, reason in uow.db.query(
            "SELECT key, status, jointure, rule, reason FROM siecle_account_links WHERE kind = ?", (kind,)
        )
    }


@pytest.fixture
def aaf_first(academie):
    delivery, eleves, responsables = academie
    uow = bootstrap.build("memory:", Policy(), simulation=True)
    assert ingest(str(delivery), uow, T_AAF).status == "applied"
    assert ingest_siecle(eleves, uow, T_AFTER).status == "applied"
    assert ingest_siecle(responsables, uow, T_AFTER).status == "applied"
    yield uow
    uow.close()


@pytest.fixture
def siecle_first(academie):
    delivery, eleves, responsables = academie
    uow = bootstrap.build("memory:", Policy(), faults=CountingFaults(), simulation=True)
    assert ingest_siecle(eleves, uow, T_SIECLE).status == "applied"
    assert ingest_siecle(responsables, uow, T_SIECLE).status == "applied"
    yield uow
    uow.close()


def test_guardians_imported_before_the_aaf_are_linked_as_if_imported_after(academie, aaf_first, siecle_first):
    delivery, _, _ = academie
    expected = links(aaf_first, "guardian")
    # What the order must reach: every guardian linked, by either rule.
    assert {(status, rule, reason) for status, _, rule, reason in expected.values()} == {
        ("linked", "personne_id", ""),
        ("linked", "name_and_student", ""),
    }
    assert expected["P1"][2] == "name_and_student"
    unlinked = links(siecle_first, "guardian")
    assert unlinked.keys() == expected.keys()
    assert {(status, reason) for status, _, _, reason in unlinked.values()} == {("unresolved", "no_account")}

    assert ingest(str(delivery), siecle_first, T_AAF).status == "applied"
    tick(siecle_first, T_AFTER)
    assert links(siecle_first, "student") == links(aaf_first, "student")
    assert links(siecle_first, "guardian") == expected
    assert siecle_relink.pending_follow_ups(siecle_first) == []


class Crash(Exception):
    pass


class CrashInRelink(CountingFaults):
    """Stops the relink after its ``nth`` batch recorded (0: as it starts)."""

    def __init__(self, nth: int) -> None:
        super().__init__()
        self.nth, self.saved = nth, -1

    def reached(self, point: str) -> None:
        super().reached(point)
        if point == "relink.starting" or (point == "log.saved" and self.saved >= 0):
            self.saved += 1
            if self.saved == self.nth:
                raise Crash


def linked(by_kind: dict[str, dict[str, tuple[str, str, str, str]]]) -> int:
    return sum(status == "linked" for records in by_kind.values() for status, *_ in records.values())


@pytest.mark.parametrize("nth", [0, 2, 5])
def test_a_relink_interrupted_is_finished_by_the_next_tick_and_runs_once(academie, aaf_first, nth):
    """Batches of 10 events: the students' links fill the first four, the guardians' the rest."""
    delivery, eleves, responsables = academie
    faults = CrashInRelink(nth)
    uow = bootstrap.build("memory:", Policy(), faults=faults, simulation=True, batch=10)
    try:
        ingest_siecle(eleves, uow, T_SIECLE)
        ingest_siecle(responsables, uow, T_SIECLE)
        with pytest.raises(Crash):
            ingest(str(delivery), uow, T_AAF)
        uow.projection.catch_up(uow.log)  # as verify reads the store after the crash
        uow.siecle.catch_up(uow.log)
        expected = {kind: links(aaf_first, kind) for kind in ("student", "guardian")}
        now = {kind: links(uow, kind) for kind in ("student", "guardian")}
        assert linked(now) < linked(expected)
        # What verify reports: the guardians' links that need a student's link not recorded yet counted too.
        before = uow.log.max_position()
        assert siecle_relink.relink(uow, T_AFTER, "verify", dry_run=True) == linked(expected) - linked(now)
        assert uow.log.max_position() == before

        tick(uow, T_AFTER)
        assert {kind: links(uow, kind) for kind in ("student", "guardian")} == expected
        assert siecle_relink.pending_follow_ups(uow) == []
        done = uow.log.max_position()
        tick(uow, T_AFTER)
        assert ingest(str(delivery), uow, T_AFTER).status == "already-applied"
        assert siecle_relink.relink(uow, T_AFTER, "again") == 0  # nothing left to link
        assert uow.log.max_position() == done
        assert faults.counts["relink.starting"] == 2
    finally:
        uow.close()
