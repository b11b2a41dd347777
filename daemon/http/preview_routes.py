"""``POST /api/v1/previews?name=FILE``: ``entsync ingest PATH --dry-run``
through the API (issue 15). The body is the file (daemon/http/uploads.py);
the answer is what ``entsync ingest FILE --dry-run --json`` prints
(daemon/preview.py: the real import run on a copy of the store), and
nothing is recorded.

Operators only, as the other académie-wide operations (an etab-admin or a
reader gets 403). An etab-admin's file would have to be bound to its UAIs
before the preview runs, and only some kinds tell their UAI that early (a
SIECLE or timetable export's header, an AAF per-establishment prefix; an
académie delivery names none): and what a preview answers is the
académie's — the accounts a delta would make depart wherever they are
attached, the brakes counted over every establishment, the holds of
deliveries to come. Scoping that answer is another piece of work.

In this order: 503 while the store is known down; 401, 403, 429; 400 for an
unknown query parameter or a name that is not a plain file name; 415 for a
body that is not a file's bytes; 413 past ``MAX_UPLOAD_BYTES``; 400 for an
empty body, an archive out of bounds or a tar, a file entsync does not
import, or one it cannot read (its reason, the member and line when known,
never a byte of its content); 503 with ``Retry-After`` while another
preview runs (one at a time: on PostgreSQL a preview holds the whole log in
memory); else 200. The temporary directory is removed whatever the answer.
"""

from __future__ import annotations

import threading
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from adapters.sniff import kind_of
from daemon.bootstrap import TimeWentBackwards
from daemon.http import models as m
from daemon.http import uploads
from daemon.http.actions import RETRY_AFTER, WRITE_ERRORS, Operator, academie
from daemon.http.api import REFUSALS, Served
from daemon.http.errors import RETRY_AFTER_SECONDS, ApiError
from daemon.http.guards import BodyTooLarge, too_large
from daemon.http.site import busy_kind
from daemon.http.times import IsoTime
from daemon.preview import preview
from events.usecases.formats import NotImportable

PREVIEW_PATH = "/api/v1/previews"
NAME_DOC = "the file's name, which tells what it is as in the inbox (the AAF naming convention, .xml, .zip)"
previews = APIRouter(prefix=academie.prefix, dependencies=academie.dependencies)
_RUNNING = threading.Lock()
# The reasons the readers give for a file they cannot read as the export it
# claims to be (adapters/): answered 400, not as a preview of a rejection.
FILE_DEFECTS = frozenset(
    {
        "malformed_xml", "unreadable_file", "unreadable_archive", "entity_declaration", "wrong_root",
        "encoding_mismatch", "unsafe_item", "not_found", "no_aaf_files", "invalid_header",
        "missing_parametres", "invalid_uai", "invalid_date", "mixed_delivery", "duplicate_part", "unknown_category",
    }
)  # fmt: skip
BODY = {
    "required": True,
    "description": "the file's bytes (`curl --data-binary @FILE`): an AAF delta file, a ZIP of an AAF "
    "delivery's files, a SIECLE export, an STS-web or timetable export",
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in uploads.TYPES},
}


class PreviewEntry(m.Stored):
    """One fact the import would record: its subject by keys (jointure, login, eleve_id,
    personne_id or id), where it comes from (uai, delivery_id, import_id, file, line),
    why (reason, state, removal_due), the names of the fields it changes or sets aside."""

    event: str


class PreviewAnswer(m.Row):
    """What ``entsync ingest FILE --dry-run --json`` prints."""

    dry_run: bool
    result: m.Stored = Field(description="what the import would answer (`entsync ingest --json`)")
    facts: int = Field(description="the events the import would record")
    counts: dict[str, int] = Field(description="arrivals, departures, changes, holds, anomalies")
    arrivals: list[PreviewEntry]
    departures: list[PreviewEntry]
    changes: list[PreviewEntry]
    holds: list[PreviewEntry]
    anomalies: list[PreviewEntry]
    other: dict[str, int] = Field(description="the other facts, counted by event")
    brake: m.Stored | None = Field(description="a delivery the mass-departure brake would hold: its brakes and who")
    copied: int = Field(description="events copied from the store")


def preview_file(ctx: Any, *, path: Path, name: str, now: datetime | None) -> dict:
    """On a worker thread: the preview of ``path`` against the worker's store."""
    uploads.check_container(path)
    if not _RUNNING.acquire(blocking=False):
        raise ApiError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "preview_busy",
            "another preview is running; try again later",
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=ZoneInfo(ctx.policy.timezone))
        found = preview(ctx.db.url.url, path, kind_of(path), ctx.policy, now, clock=ctx.clock)
    except ApiError:
        raise
    except Exception as exc:
        if busy_kind(exc):  # an interrupted import in the store: the real ingest would finish it first
            raise ApiError(HTTPStatus.CONFLICT, "interrupted_import_first", "an interrupted import must be "
                           "finished first (`entsync ingest` on the server); nothing previewed") from None  # fmt: skip
        if isinstance(exc, TimeWentBackwards):  # before the store's last time, or past the wall clock in production
            raise ApiError(HTTPStatus.CONFLICT, "time_refused", _first_line(exc)) from None
        raise  # anything else: a 500, logged by its type (its message might quote the file)
    finally:
        _RUNNING.release()
    if isinstance(found.result, NotImportable):
        raise uploads.invalid("not_importable", _not_importable(name, found.result))
    answer = _without(found.as_dict(), f"{path.parent}/")
    result = answer["result"]
    if result.get("status") == "rejected" and result.get("reason") in FILE_DEFECTS:
        raise uploads.invalid("unreadable_file", _defect(name, answer))
    return answer


@previews.post(
    "/previews",
    response_model=PreviewAnswer,
    operation_id="previewFile",
    summary="What importing a file would change (entsync ingest --dry-run); nothing recorded.",
    response_description="the preview, as `entsync ingest FILE --dry-run --json` prints it",
    tags=["operations"],
    openapi_extra={"requestBody": BODY},
    responses={
        400: {"model": m.Error, "description": "invalid name or parameter, empty body, an archive out of bounds "
              "or a tar, a file entsync does not import or cannot read (its reason, member and line)"},
        413: {"model": m.Error, "description": f"the body is larger than {uploads.MAX_UPLOAD_BYTES} bytes"},
        415: {"model": m.Error, "description": "a Content-Type other than " + ", ".join(uploads.TYPES)},
        409: {"model": m.Error, "description": "the store refuses an import now (an interrupted import, time)"},
        **{code: {"model": m.Error, "description": WRITE_ERRORS[code]} for code in REFUSALS},
        503: {"model": m.Error, "description": "the store cannot be reached, or another preview is running "
              "(Retry-After)", "headers": RETRY_AFTER},
    },
)  # fmt: skip
async def preview_upload(
    site: Served,
    request: Request,
    who: Operator,
    name: Annotated[str, Query(description=NAME_DOC, pattern=f"^{uploads.NAME.pattern}$")],
    now: Annotated[IsoTime | None, Query(description="import at this time, as `--now` (ISO 8601)")] = None,
) -> Any:
    uploads.checked_type(request.headers.get("content-type"))
    uploads.checked_name(name)
    with uploads.scratch() as directory:
        try:
            path = await uploads.received(request.stream(), Path(directory), name)
        except BodyTooLarge as exc:  # a chunked body past the bound: answered here, where it was read
            raise too_large(exc.limit) from None
        # The preview runs on a worker thread (Site.read), as every read: the event loop keeps answering.
        return await run_in_threadpool(site.read, preview_file, path=path, name=name, now=now)


def _not_importable(name: str, refused: NotImportable) -> str:
    told = refused.message if refused.reason in ("encrypted_timetable_export", "siecle_nomenclatures") else (
        "not a file entsync imports (an AAF delivery or delta file, a ZIP of an AAF delivery, a SIECLE "
        "export, an STS-web or timetable export)")  # fmt: skip
    return f"{name}: {refused.reason}: {told}; nothing recorded"


def _defect(name: str, answer: dict) -> str:
    """The reason, the member (its name if plain) and the line: never the reader's message, which may quote the file."""
    result = answer["result"]
    where = next((h for h in answer["holds"] if h["event"].endswith("Rejected")), {})
    line = where.get("line") or (result.get("details") or {}).get("line")
    member = str(where.get("file") or (result.get("details") or {}).get("file") or "")
    told = f"{name}: cannot be read ({result['reason']})"
    if member and member != name and uploads.NAME.fullmatch(member.rsplit("/", 1)[-1]):
        told += f", member {member.rsplit('/', 1)[-1]}"
    return told + (f", line {line}" if line else "") + "; nothing recorded"


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or ["refused"])[0]


def _without(value: Any, prefix: str) -> Any:
    """``value`` with the temporary directory taken out of its texts: the caller sent a name, not a path."""
    if isinstance(value, str):
        return value.replace(prefix, "")
    if isinstance(value, dict):
        return {k: _without(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, prefix) for v in value]
    return value
