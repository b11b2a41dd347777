"""A file sent as a request's body, kept in a temporary directory for the
time of one request (issue 15: the preview of a delivery or export through
the API, daemon/http/preview_routes.py).

The body is the file's bytes, as ``curl --data-binary @FILE`` sends them: no
multipart form, so no parser to add. It is streamed to disk as it arrives
(never held whole in memory) under the name the caller gives in ``name``,
which tells what the file is as the inbox reads it (adapters/sniff.py: the
AAF naming convention, ``.xml``, a ``.zip``). The name is a plain file name,
checked: no directory, no ``..``, no control character.

A complete AAF delivery is several files: it comes as one ZIP of them,
which the AAF reader reads in place (adapters/aaf/containers.py), as
``entsync ingest delivery.zip`` does. Nothing is extracted, so a member's
name never becomes a path (no traversal is possible); what the ZIP declares
is checked first, before anything reads it: at most ``MAX_MEMBERS``
members, at most ``MAX_UNZIPPED_BYTES`` once inflated (zipfile never reads a
member past its declared size), no encrypted member. A tar archive is
refused (inflating it whole would be the only way to bound it): send a
ZIP, or run ``entsync ingest PATH --dry-run`` on the server.
"""

from __future__ import annotations

import re
import tarfile
import tempfile
import zipfile
from collections.abc import AsyncIterator
from http import HTTPStatus
from pathlib import Path

from daemon.http.errors import ApiError

# The largest body the preview route takes (the guard's bound for that path,
# daemon/http/guards.py): a complete académie delivery zipped, a SIECLE or
# timetable export many times over. The other routes keep MAX_BODY_BYTES.
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_UNZIPPED_BYTES = 4 * 1024 * 1024 * 1024
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,199}")
NAME_RULE = "name must be a file name: letters, digits, '.', '_' or '-', at most 200, no directory"
CLI = "run `entsync ingest PATH --dry-run` on the server"
TYPES = ("application/octet-stream", "application/xml", "text/xml", "text/csv", "application/zip")


def invalid(code: str, message: str) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, code, message)


def checked_name(name: str) -> str:
    if not NAME.fullmatch(name) or ".." in name:
        raise invalid("invalid_parameter", NAME_RULE)
    return name


def checked_type(content_type: str | None) -> None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in TYPES:
        raise ApiError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            f"send the file's bytes as the body, with Content-Type {', '.join(TYPES)} (no multipart form)",
        )


async def received(chunks: AsyncIterator[bytes], directory: Path, name: str) -> Path:
    """The body written to ``directory/name``; an empty body is refused."""
    path = directory / name
    size = 0
    with open(path, "wb") as out:
        async for chunk in chunks:  # the guard refuses a body past the route's bound as it arrives
            size += len(chunk)
            out.write(chunk)
    if size == 0:
        raise invalid("empty_file", f"{name}: the body is empty; send the file's bytes")
    return path


def check_container(path: Path) -> None:
    """Refuse a tar, and a ZIP past the bounds (what it declares, read
    before any member is)."""
    name = path.name
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                members = zf.infolist()
        except (zipfile.BadZipFile, OSError, EOFError):
            raise invalid("unreadable_file", f"{name}: not a readable ZIP archive") from None
        if len(members) > MAX_MEMBERS:
            raise invalid("archive_too_large", f"{name}: more than {MAX_MEMBERS} members in the ZIP; {CLI}")
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise invalid("archive_too_large", f"{name}: more than {MAX_UNZIPPED_BYTES} bytes once inflated; {CLI}")
        if any(m.flag_bits & 0x1 for m in members):
            raise invalid("unreadable_file", f"{name}: an encrypted member in the ZIP")
        return
    if not name.lower().endswith(".xml") and _is_tar(path):
        raise invalid("unsupported_archive", f"{name}: a tar archive; send a ZIP of the delivery's files, or {CLI}")


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError, EOFError):
        return False


def scratch() -> tempfile.TemporaryDirectory[str]:
    """The request's own directory, removed when the request ends, whatever it ends with."""
    return tempfile.TemporaryDirectory(prefix="entsync-upload-")
