"""Generated académies shared by the integration tests (generated once per session)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest

from daemon import bootstrap
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from events.usecases.timetable_receive import receive
from generator.cli import run as generate
from projections.db import Database
from projections.directory import DirectoryProjection
from projections.schema import dump

T0 = datetime(2026, 8, 18, 6, 0, tzinfo=timezone.utc)  # first complete delivery
T_CREATE = datetime(2026, 8, 20, 7, 0, tzinfo=timezone.utc)  # after the 48 h delay
T1 = datetime(2026, 11, 5, 6, 0, tzinfo=timezone.utc)  # second delivery (after Toussaint 2026)
T_EDT = datetime(2026, 8, 28, 8, 0, tzinfo=timezone.utc)  # the first timetable exports
T = TypeVar("T")


@dataclass
class Academie:
    root: Path
    manifest: dict

    def delivery(self, name: str) -> Path:
        return self.root / self.manifest["deliveries"][name]["path"]

    @property
    def first(self) -> Path:
        return self.delivery(f"{self.manifest['dates']['first']}-complet")

    @property
    def second(self) -> Path:
        return self.delivery(f"{self.manifest['dates']['second']}-complet")

    @property
    def delta(self) -> Path:
        return self.delivery(f"{self.manifest['dates']['second']}-delta")


def make_academie(root: Path, *args: str) -> Academie:
    assert generate([str(root), *args]) == 0
    return Academie(root, json.loads((root / "manifest.json").read_text()))


@pytest.fixture(scope="session")
def academie(tmp_path_factory) -> Academie:
    return make_academie(tmp_path_factory.mktemp("academie"), "--students", "400", "--seed", "7")


@pytest.fixture(scope="session")
def two_establishments(tmp_path_factory) -> Academie:
    """1000 students (two establishments: the generator makes one per 600 or
    so), a timetable export of each and a second delivery: the académie of
    the HTTP tests' worlds, read and never written."""
    return make_academie(
        tmp_path_factory.mktemp("two-establishments"),
        "--students",
        "1000",
        "--seed",
        "21",
        "--sources",
        "aaf,timetable",
    )


def academie_started(
    request,
    backend: str,
    acad: Academie,
    directory: Path | None = None,
    *,
    key: str = "academie-started",
    at: datetime = T0,
    created: datetime = T_CREATE,
) -> str:
    """A copy of the store where ``acad``'s (the session's ``academie``, unless
    told) first delivery was applied ``at`` (T0) and its accounts created
    ``created`` (T_CREATE), in a context closed since: the state many stories
    start from, made once per session and backend under ``key`` (prepared_store)."""

    def start(url: str) -> None:
        c = bootstrap.build(url, Policy())
        try:
            assert ingest(str(acad.first), c, at).status == "applied"
            tick(c, created)
        finally:
            c.close()

    return prepared_store(request, backend, key, start, directory)


@dataclass(frozen=True)
class Started:
    delivery: str  # the first delivery's id
    imports: dict[str, str]  # UAI → its timetable import's id (none without timetables)


def started_establishments(
    request, backend: str, acad: Academie, directory: Path, timetables: bool
) -> tuple[str, Started]:
    """A module's own copy of a store where ``acad``'s first delivery was
    applied at T0 and its accounts created at T_CREATE, with (``timetables``)
    each establishment's timetable export received at T_EDT: brought there
    once per session and backend (``prepared``), the one with timetables
    from a copy of the one without."""
    # The effective times are given: the clock only guards them.
    clock = ManualClock(T_EDT + timedelta(hours=2))

    def start(url: str) -> Started:
        ctx = bootstrap.build(url, Policy(), clock, simulation=True)
        try:
            result = ingest(str(acad.first), ctx, T0)
            assert result.status == "applied"
            tick(ctx, T_CREATE)
            return Started(result.delivery_id, {})
        finally:
            ctx.close()

    if not timetables:
        return prepared(request, backend, "two-establishments-started", start, directory)
    started = made(request, backend, "two-establishments-started", start)

    def receive_timetables(url: str) -> Started:
        ctx = bootstrap.build(url, Policy(), clock, simulation=True)
        try:
            date = acad.manifest["dates"]["first"]
            timetable = acad.manifest["sources"]["timetable"][date]
            imports = {uai: receive(acad.root / rel, ctx, T_EDT).import_id for uai, rel in timetable.items()}
            ctx.imports.catch_up(ctx.log)
            return Started(started.delivery, imports)
        finally:
            ctx.close()

    key = "two-establishments-timetables"
    return prepared(request, backend, key, receive_timetables, directory, base="two-establishments-started")


@pytest.fixture(scope="session")
def merge_academie(tmp_path_factory) -> Academie:
    """900 students (two establishments), deliberate duplicates that the
    second complete delivery (10 September) drops with its churn, and SIECLE
    exports of both dates: the merge stories' and the fold's (their stores
    start from one prepared store, MERGE_STARTED)."""
    return make_academie(
        tmp_path_factory.mktemp("merges"),
        "--students",
        "900",
        "--seed",
        "5",
        "--second-date",
        "20260910",
        "--sources",
        "aaf,siecle",
    )


# The prepared store where merge_academie's year started (tests/integration/cli.py year_started).
MERGE_STARTED = "merge-academie-started"


@pytest.fixture(scope="session")
def academie_regenerated(tmp_path_factory) -> Academie:
    """The same content as ``academie``, delivered on another date, split into
    other parts, with attributes in another order."""
    return make_academie(
        tmp_path_factory.mktemp("regenerated"),
        "--students",
        "400",
        "--seed",
        "7",
        "--date",
        "20260901",
        "--part-size",
        "97",
        "--shuffle-attributes",
        "--no-second",
    )


@pytest.fixture
def ctx(store_url):
    context = bootstrap.build(store_url, Policy())
    yield context
    context.close()


def rebuilt(ctx) -> dict:
    """The read model rebuilt from the log alone, in a fresh in-memory database."""
    mem = Database("sqlite:///:memory:")
    DirectoryProjection(mem).catch_up(ctx.log)
    rows = dump(mem)
    mem.close()
    return rows


def new_store(request, backend: str, root: Path) -> tuple[str, Callable[[], None]]:
    """A store for a module's fixture on ``backend`` and what drops it: a
    SQLite file under ``root`` (left to pytest's tmp dir), or a new
    PostgreSQL database of the session's server (dropped by the callable)."""
    if backend == "sqlite":
        return f"sqlite:///{root / 'entsync.db'}", lambda: None
    from tests.conftest import _admin_connect

    server = request.getfixturevalue("pg_server")
    dbname = f"t_{uuid.uuid4().hex}"
    with _admin_connect(server) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')

    def drop() -> None:
        with _admin_connect(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    return server.url(dbname), drop


_PREPARED: dict[tuple[str, str], tuple[str, Any]] = {}  # (key, backend) → the prepared file or template, its facts


def prepared_store(
    request, backend: str, key: str, prepare: Callable[[str], object], directory: Path | None = None
) -> str:
    """A fresh copy, for one test, of a simulation store that ``prepare(url)``
    brought once per session and backend to the state several tests start
    from (the same deliveries ingested at the same effective times: the same
    log and read models): a SQLite file copied with SQLite's backup, or a
    PostgreSQL database made from the prepared one as its template (dropped
    when ``request``'s scope ends). A module's fixture gives the ``directory``
    of its SQLite copy (a test's is its tmp_path)."""
    return prepared(request, backend, key, prepare, directory)[0]


def prepared(
    request, backend: str, key: str, prepare: Callable[[str], T], directory: Path | None = None, base: str | None = None
) -> tuple[str, T]:
    """``prepared_store``'s copy, and what ``prepare`` returned when it made
    the prepared store (ids the copy holds too: a delivery's, imports')."""
    from tests.conftest import _admin_connect

    location, facts = _PREPARED.get((key, backend)) or (None, None)
    if location is None:
        made(request, backend, key, prepare, base)
        location, facts = _PREPARED[(key, backend)]
    if backend == "sqlite":
        target = (directory or request.getfixturevalue("tmp_path")) / "entsync.db"
        _backup(location, target)
        return f"sqlite:///{target}", facts
    server = request.getfixturevalue("pg_server")
    dbname = f"t_{uuid.uuid4().hex}"
    with _admin_connect(server) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{location}"')

    def drop() -> None:
        with _admin_connect(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    request.addfinalizer(drop)
    return server.url(dbname), facts


def made(request, backend: str, key: str, prepare: Callable[[str], T], base: str | None = None) -> T:
    """What ``prepare`` returned when it brought the prepared store ``key``
    (made once per session and backend) to its state, from an empty
    simulation store or from a copy of the prepared store ``base``."""
    from tests.conftest import _admin_connect, _declared_template, declare_store

    if (key, backend) in _PREPARED:
        return _PREPARED[(key, backend)][1]
    source = _PREPARED[(base, backend)][0] if base else None
    if backend == "sqlite":
        location = str(request.getfixturevalue("tmp_path_factory").mktemp(f"prepared-{key}") / "entsync.db")
        if source:
            _backup(source, Path(location))
        facts = prepare(f"sqlite:///{location}" if source else declare_store(f"sqlite:///{location}"))
    else:
        server = request.getfixturevalue("pg_server")
        location = f"prepared_{uuid.uuid4().hex}"
        with _admin_connect(server) as conn:
            conn.execute(f'CREATE DATABASE "{location}" TEMPLATE "{source or _declared_template(server, True)}"')
        facts = prepare(server.url(location))
        with _admin_connect(server) as conn:  # a template has no session
            conn.execute(f'ALTER DATABASE "{location}" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (location,))
    _PREPARED[(key, backend)] = (location, facts)
    return facts


def _backup(source: str, target: Path) -> None:
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
