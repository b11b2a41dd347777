"""When an inbox item is ready (daemon/service/watcher.py): quiet period, completion
marker, AAF parts missing, arrival order — in virtual time, on a real
directory."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from daemon.service.watcher import Watcher, missing_parts
from events.clock import ManualClock


def touch(path: Path, data: bytes = b"x", mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def names(paths) -> list[str]:
    return [p.name for p in paths]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 9, 1, 8, tzinfo=timezone.utc))


@pytest.fixture
def watcher(tmp_path, clock) -> Watcher:
    return Watcher(tmp_path, quiet_seconds=30, clock=clock)


def test_a_growing_file_is_ready_only_after_the_quiet_period(tmp_path, watcher, clock):
    item = touch(tmp_path / "export.xml", b"<a>")
    assert watcher.poll() == []
    clock.advance(20)
    item.write_bytes(b"<a></a>")  # still being written: the quiet period starts again
    assert watcher.poll() == []
    clock.advance(29)
    assert watcher.poll() == []
    clock.advance(1)
    assert names(watcher.poll()) == ["export.xml"]


def test_a_marker_newer_than_the_content_makes_it_ready_at_once(tmp_path, watcher, clock):
    touch(tmp_path / "eleves.xml", mtime_ns=1_000_000_000)
    touch(tmp_path / "eleves.xml.done", b"", mtime_ns=2_000_000_000)
    touch(tmp_path / "other.xml", mtime_ns=1_000_000_000)
    touch(tmp_path / "other.xml.ready", b"", mtime_ns=1_000_000_000)  # same instant: done when written
    assert names(watcher.poll()) == ["eleves.xml", "other.xml"]


def test_a_marker_older_than_the_content_does_not(tmp_path, watcher, clock):
    touch(tmp_path / "eleves.xml.done", b"", mtime_ns=1_000_000_000)
    touch(tmp_path / "eleves.xml", mtime_ns=2_000_000_000)  # written (again) after the marker
    assert watcher.poll() == []
    clock.advance(30)
    assert names(watcher.poll()) == ["eleves.xml"]


def test_an_aaf_part_set_with_a_part_missing_waits_for_completion_or_the_quiet_period(tmp_path, watcher, clock):
    d = tmp_path / "20260818-complet"
    touch(d / "ENT_Complet_20260818_Eleve_0000.xml", mtime_ns=1_000_000_000)
    touch(d / "ENT_Complet_20260818_Eleve_0002.xml", mtime_ns=1_000_000_000)
    touch(tmp_path / "20260818-complet.done", b"", mtime_ns=3_000_000_000)
    assert watcher.poll() == []  # marked, but part 0001 is missing
    touch(d / "ENT_Complet_20260818_Eleve_0001.xml", mtime_ns=2_000_000_000)
    assert names(watcher.poll()) == ["20260818-complet"]  # complete and marked

    e = tmp_path / "20260819-complet"
    touch(e / "ENT_Complet_20260819_Eleve_0001.xml")
    assert names(watcher.poll()) == ["20260818-complet"]
    clock.advance(30)  # nothing more came: the ingest will hold it as incomplete (domain-rules §11)
    assert names(watcher.poll()) == ["20260818-complet", "20260819-complet"]


def test_an_empty_directory_is_never_ready(tmp_path, watcher, clock):
    (tmp_path / "incoming").mkdir()
    clock.advance(3600)
    assert watcher.poll() == []


def test_work_files_hidden_files_markers_and_the_outcome_directories_are_not_items(tmp_path, watcher, clock):
    for name in (".upload.zip", "delivery.zip.part", "delivery.zip.tmp", "x.xml.done", "y.xml.ready"):
        touch(tmp_path / name)
    touch(tmp_path / "processed" / "old.xml")
    touch(tmp_path / "rejected" / "bad.xml")
    clock.advance(3600)
    assert watcher.poll() == []


def test_arrival_order_first_seen_then_modification_time(tmp_path, watcher, clock):
    touch(tmp_path / "b.xml", mtime_ns=1_000_000_000)
    touch(tmp_path / "a.xml", mtime_ns=2_000_000_000)  # found in the same look: older first
    watcher.poll()
    clock.advance(10)
    touch(tmp_path / "0-late.xml", mtime_ns=500_000_000)  # seen later: after them, whatever its mtime
    watcher.poll()
    clock.advance(30)
    assert names(watcher.poll()) == ["b.xml", "a.xml", "0-late.xml"]


def test_an_item_to_retry_waits_for_its_back_off(tmp_path, watcher, clock):
    touch(tmp_path / "a.xml")
    assert watcher.poll() == []
    clock.advance(30)
    assert names(watcher.poll()) == ["a.xml"]
    assert watcher.later("a.xml") == 30
    assert watcher.poll() == []
    clock.advance(30)
    assert names(watcher.poll()) == ["a.xml"]
    assert watcher.later("a.xml") == 60  # doubles each time


def test_an_item_removed_by_someone_is_forgotten(tmp_path, watcher, clock):
    item = touch(tmp_path / "a.xml")
    watcher.poll()
    item.unlink()
    clock.advance(30)
    assert watcher.poll() == []
    touch(tmp_path / "a.xml")  # a new arrival under the same name starts afresh
    assert watcher.poll() == []


@pytest.mark.parametrize(
    "files, missing",
    [
        ([], {}),
        (["P_Complet_20260818_Eleve_0000.xml", "P_Complet_20260818_Eleve_0001.xml"], {}),
        (["P_Complet_20260818_Eleve_0001.xml"], {"Eleve": [0]}),
        (
            [
                "P_Complet_20260818_Eleve_0000.xml",
                "P_Complet_20260818_Eleve_0003.xml",
                "P_Complet_20260818_PersEducNat_0000.xml",
            ],
            {"Eleve": [1, 2]},
        ),
        (["sub/P_Delta_20260818_Eleve_0002.xml", "readme.txt"], {"Eleve": [0, 1]}),
    ],
)
def test_missing_parts_by_name(files, missing):
    assert missing_parts(files) == missing
