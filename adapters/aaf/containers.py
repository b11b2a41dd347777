"""The containers of an AAF delivery (formats §1): a directory, one XML
file, a zip or a tar archive (gzip or not) — listing their XML members and
opening one, a read error turned into a delivery rejection.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from adapters.errors import DeliveryRejected

# What a damaged archive or an unreadable file raises while being read.
READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError)


def error_kind(exc: BaseException) -> str:
    """The exception's class as named in a rejection's message."""
    cls = type(exc)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


class Guarded:
    """A part's byte stream whose read errors become a delivery rejection."""

    def __init__(self, fh: IO[bytes], name: str):
        self._fh, self._name = fh, name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._fh.read(size)
        except READ_ERRORS as exc:
            raise DeliveryRejected("unreadable_file", f"cannot read the file ({error_kind(exc)})", self._name) from None


@contextmanager
def open_member(source: Path, container: str, member: str) -> Iterator[IO[bytes]]:
    if container == "dir":
        with open(source / member, "rb") as fh:
            yield fh
    elif container == "file":
        with open(source, "rb") as fh:
            yield fh
    elif container == "zip":
        with zipfile.ZipFile(source) as zf, zf.open(member) as fh:
            yield fh
    else:
        with tarfile.open(source, "r:*") as tf:
            extracted = tf.extractfile(member)
            if extracted is None:
                raise DeliveryRejected("unreadable_file", "not a regular file", member)
            with extracted as fh:
                yield fh


def list_members(source: Path) -> tuple[str, list[str]]:
    """The kind of container at ``source`` and its XML members, sorted."""
    if source.is_file() and source.suffix.lower() == ".xml":
        return "file", [source.name]  # a delivery of one part
    if source.is_dir():
        return "dir", sorted(
            str(p.relative_to(source)) for p in source.rglob("*") if p.suffix.lower() == ".xml" and p.is_file()
        )
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            return "zip", sorted(n for n in zf.namelist() if n.lower().endswith(".xml"))
    try:
        with tarfile.open(source, "r:*") as tf:
            return "tgz", sorted(m.name for m in tf.getmembers() if m.isfile() and m.name.lower().endswith(".xml"))
    except tarfile.TarError:
        raise DeliveryRejected(
            "unreadable_archive", "neither a directory, a zip nor a tar archive", source.name
        ) from None
