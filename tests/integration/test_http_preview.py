"""``POST /api/v1/previews?name=FILE`` (issue 15) on SQLite and PostgreSQL:
an operator's preview of an AAF delta (one file, and a delivery zipped) and
of a SIECLE export answers what ``entsync ingest --dry-run --json`` prints,
records nothing (the store's bytes or rows unchanged) and leaves no
temporary file; the real ingest then applies what it said. An etab-admin or
a reader gets 403, no token 401, a file entsync cannot read a 400 that
quotes none of it, a body past the bound 413."""

from __future__ import annotations

import http.client
import json
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from daemon import bootstrap
from daemon.http.server import serve
from daemon.http.uploads import MAX_UPLOAD_BYTES
from daemon.observability.metrics import Metrics
from events.access import Role
from events.clock import ManualClock
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from tests.api_tokens import bearer, issue
from tests.integration.cli import Cli
from tests.integration.conftest import T0, T1, T_CREATE, T_EDT, Academie, make_academie, prepared_store
from tests.integration.test_preview import fingerprint

PATH = "/api/v1/previews"


@dataclass
class World:
    url: str
    store: str
    uai: str
    tokens: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def acad(tmp_path_factory) -> Academie:
    return make_academie(
        tmp_path_factory.mktemp("http-preview"), "--students", "150", "--seed", "11", "--sources", "aaf,siecle"
    )


@pytest.fixture(scope="module")
def world(request, backend, acad, tmp_path_factory):
    clock = ManualClock(T1)

    def start(url: str) -> None:
        ctx = bootstrap.build(url, Policy(), clock, simulation=True)
        try:
            assert ingest(str(acad.first), ctx, T0).status == "applied"
            tick(ctx, T_CREATE)
        finally:
            ctx.close()

    store = prepared_store(request, backend, "http-preview-started", start, tmp_path_factory.mktemp("store"))
    date = acad.manifest["dates"]["first"]
    uai = next(iter(acad.manifest["sources"]["siecle"][date]))
    ctx = bootstrap.build(store, Policy(), clock)
    tokens = {
        "operator": issue(ctx, "ops", Role.OPERATOR),
        "reader": issue(ctx, "support", Role.READER, (uai,)),
        "etab-admin": issue(ctx, "admin", Role.ETAB_ADMIN, (uai,)),
    }
    ctx.close()
    srv = serve("127.0.0.1:0", Metrics(version="test"), lambda: bootstrap.build(store, Policy(), clock), lambda: True)
    try:
        yield World(srv.url, store, uai, tokens)
    finally:
        srv.close()


def send(w: World, name: str, body: bytes, caller: str | None = "operator", query: str = "", media="text/xml"):
    headers = {"Content-Type": media, **(bearer(w.tokens[caller]) if caller else {})}
    url = f"{w.url}{PATH}?name={quote(name, safe='')}{query}"
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def siecle_eleves(acad: Academie, uai: str) -> Path:
    date = acad.manifest["dates"]["first"]
    return acad.root / acad.manifest["sources"]["siecle"][date][uai]["eleves"]


def one_file(path: Path) -> Path:
    """The delta's one part for the category of students (a delta file as the AAF sends it)."""
    parts = [path] if path.is_file() else sorted(p for p in path.rglob("*.xml") if "_Eleve_" in p.name)
    assert len(parts) == 1, parts
    return parts[0]


def zipped(directory: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(directory.rglob("*.xml")):
            zf.write(p, p.name)
    return out


def uploads() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("entsync-upload-*")}


def cli_preview(w: World, capsys, path: Path, now) -> dict:
    return Cli(w.store, capsys).json("ingest", str(path), "--now", now.isoformat(), "--dry-run")


def test_an_operator_previews_an_aaf_delta_file_and_a_zipped_delivery_as_the_cli_does(world, acad, capsys, tmp_path):
    before, left = fingerprint(world.store), uploads()
    part = one_file(acad.delta)
    code, answer = send(world, part.name, part.read_bytes(), query=f"&now={T1:%Y-%m-%dT%H:%M:%SZ}")
    assert code == 200, answer
    assert answer["dry_run"] is True and answer["result"]["status"] == "applied"
    assert answer["counts"]["departures"] + answer["counts"]["changes"] + answer["counts"]["arrivals"] > 0
    assert answer == cli_preview(world, capsys, part, T1)
    assert fingerprint(world.store) == before and uploads() == left

    if acad.delta.is_dir():
        archive = zipped(acad.delta, tmp_path / "delta.zip")
        code, whole = send(world, "delta.zip", archive.read_bytes(), query=f"&now={T1:%Y-%m-%dT%H:%MZ}",
                           media="application/zip")  # fmt: skip
        assert code == 200, whole
        assert whole == cli_preview(world, capsys, archive, T1)
        assert whole["counts"]["arrivals"] == whole["result"]["counts"]["added"] > 0
        assert fingerprint(world.store) == before and uploads() == left


def test_an_operator_previews_a_siecle_export_as_the_cli_does(world, acad, capsys):
    eleves = siecle_eleves(acad, world.uai)
    before, left = fingerprint(world.store), uploads()
    code, answer = send(world, eleves.name, eleves.read_bytes(), query=f"&now={T_EDT:%Y-%m-%dT%H:%MZ}")
    assert code == 200, answer
    assert answer["result"]["status"] == "applied"
    assert answer["counts"]["arrivals"] == answer["result"]["counts"]["students_added"] > 0
    assert answer == cli_preview(world, capsys, eleves, T_EDT)
    assert fingerprint(world.store) == before and uploads() == left


@pytest.mark.parametrize("caller,status", [(None, 401), ("reader", 403), ("etab-admin", 403)])
def test_only_an_operator_may_preview(world, acad, caller, status):
    eleves = siecle_eleves(acad, world.uai)  # of the etab-admin's own establishment: 403 still
    code, answer = send(world, eleves.name, eleves.read_bytes(), caller=caller)
    assert code == status and set(answer) == {"error"}, answer


def test_a_file_entsync_cannot_read_is_a_400_that_quotes_none_of_it(world, acad):
    left = uploads()
    code, answer = send(world, "notes.xml", b"<carnet><eleve>Dupont-Secret</eleve></carnet>")
    assert code == 400 and answer["error"]["code"] == "not_importable", answer
    assert answer["error"]["message"].startswith("notes.xml: unknown_format")
    assert "Dupont" not in json.dumps(answer)
    # A SIECLE export cut short: its reason and line, none of its bytes.
    text = siecle_eleves(acad, world.uai).read_bytes()
    cut = text[: text.index(b"<NOM_DE_FAMILLE>") + len(b"<NOM_DE_FAMILLE>")] + b"Dupont-Secret<<"
    code, answer = send(world, "ElevesSansAdresses.xml", cut)
    assert code == 400 and answer["error"]["code"] == "unreadable_file", answer
    message = answer["error"]["message"]
    assert message.startswith("ElevesSansAdresses.xml: cannot be read (malformed_xml)") and ", line " in message
    assert "Dupont" not in message and "NOM" not in message
    assert uploads() == left


@pytest.mark.parametrize(
    "name,body,media,status,code",
    [("../x.xml", b"<a/>", "text/xml", 400, "invalid_parameter"),
     ("x.xml", b"", "text/xml", 400, "empty_file"),
     ("x.xml", b"<a/>", "multipart/form-data; boundary=x", 415, "unsupported_media_type"),
     ("many.zip", None, "application/zip", 400, "archive_too_large")],
)  # fmt: skip
def test_what_the_route_refuses_before_previewing(world, tmp_path, name, body, media, status, code):
    if body is None:  # more members than a delivery has: refused from the ZIP's directory
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            for i in range(1001):
                zf.writestr(f"p{i}.xml", b"")
        body = (tmp_path / name).read_bytes()
    got, answer = send(world, name, body, media=media)
    assert (got, answer["error"]["code"]) == (status, code), answer


def test_a_body_past_the_bound_is_413_before_it_is_read(world):
    where = urlsplit(world.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.putrequest("POST", f"{PATH}?name=big.zip")
        for key, value in {**bearer(world.tokens["operator"]), "Content-Type": "application/zip",
                           "Content-Length": str(MAX_UPLOAD_BYTES + 1)}.items():  # fmt: skip
            conn.putheader(key, value)
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413 and json.loads(resp.read())["error"]["code"] == "body_too_large"
    finally:
        conn.close()


def test_a_zip_member_named_outside_is_read_in_place_never_written(world, acad, tmp_path):
    part = one_file(acad.delta)
    evil = f"../../{part.name}"
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr(evil, part.read_bytes())
    temp = Path(tempfile.gettempdir())
    code, answer = send(world, "evil.zip", (tmp_path / "evil.zip").read_bytes(), query=f"&now={T1:%Y-%m-%dT%H:%MZ}",
                        media="application/octet-stream")  # fmt: skip
    assert code == 200 and answer["result"]["status"] == "applied", answer
    assert not (temp / part.name).exists() and not (temp.parent / part.name).exists()


def test_a_time_before_the_stores_last_one_is_a_409(world, acad):
    eleves = siecle_eleves(acad, world.uai)
    code, answer = send(world, eleves.name, eleves.read_bytes(), query="&now=2026-08-01T00:00Z")
    assert (code, answer["error"]["code"]) == (409, "time_refused"), answer


# Last: it changes the module's store.
def test_after_a_preview_the_real_ingest_applies_what_it_said(world, acad, capsys):
    part = one_file(acad.delta)
    code, answer = send(world, part.name, part.read_bytes(), query=f"&now={T1:%Y-%m-%dT%H:%MZ}")
    assert code == 200, answer
    applied = Cli(world.store, capsys).json("ingest", str(part), "--now", T1.isoformat())
    assert (applied["status"], applied["counts"]) == ("applied", answer["result"]["counts"])
