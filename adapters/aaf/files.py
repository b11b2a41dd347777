"""Finding the files of an AAF delivery (formats §1): a directory, a zip or a
tgz archive; file names tell category, kind (complete or delta), date and part.
"""
from __future__ import annotations

import hashlib
import re
import tarfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from adapters.aaf.parser import RawRecord, read_records
from adapters.errors import DeliveryRejected

# Dependency order in which categories are applied (formats §1).
CATEGORIES = ("EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat")

NAME_RE = re.compile(
    r"^(?P<prefix>.+?)_(?P<kind>Complet|Delta)_(?P<date>\d{8})_"
    r"(?P<category>[A-Za-z]+)_(?P<part>\d{4})\.xml$"
)
_PER_ETAB_RE = re.compile(r"^ENT_(?P<uai>\d{7}[A-Z])$")


@dataclass(frozen=True)
class PartFile:
    """One XML part of a delivery, addressed inside its container."""

    name: str
    category: str
    part: int
    member: str  # path inside the container (or on disk)
    sha256: str
    size: int


def establishment_of(prefix: str) -> str | None:
    """The UAI of a per-establishment delivery's prefix (``ENT_<UAI>``), else None."""
    m = _PER_ETAB_RE.match(prefix)
    return m.group("uai") if m else None


@dataclass
class DeliveryFiles:
    """What a delivery is made of, before any record is read."""

    source: str
    container: str  # "dir" | "file" | "zip" | "tgz"
    kind: str  # "complete" | "delta"
    date: str  # YYYYMMDD
    prefix: str
    parts: list[PartFile] = field(default_factory=list)

    @property
    def uai(self) -> str | None:
        """The establishment of a per-establishment delivery (`ENT_<UAI>`)."""
        return establishment_of(self.prefix)

    @property
    def fingerprint(self) -> str:
        """Content identity of the delivery: same files, same fingerprint."""
        h = hashlib.sha256()
        for p in sorted(self.parts, key=lambda p: p.name):
            h.update(f"{p.name}\0{p.sha256}\n".encode())
        return h.hexdigest()

    def categories(self) -> list[str]:
        present = {p.category for p in self.parts}
        return [c for c in CATEGORIES if c in present]

    def parts_of(self, category: str) -> list[PartFile]:
        return sorted((p for p in self.parts if p.category == category), key=lambda p: p.part)

    def missing_parts(self) -> dict[str, list[int]]:
        """Part numbers absent from each category (parts are contiguous from 0000)."""
        missing: dict[str, list[int]] = {}
        for cat in self.categories():
            numbers = {p.part for p in self.parts_of(cat)}
            gaps = [n for n in range(max(numbers) + 1) if n not in numbers]
            if gaps:
                missing[cat] = gaps
        return missing

    @contextmanager
    def open(self, part: PartFile) -> Iterator[IO[bytes]]:
        with _open_member(Path(self.source), self.container, part.member) as fh:
            yield _Guarded(fh, part.name)

    def records(self, part: PartFile) -> Iterator:
        """The records of one part, read from its file (a delivery received
        another way, e.g. from Kafka, provides them otherwise)."""
        with self.open(part) as fh:
            yield from read_records(fh, part.name, part.category)


@dataclass
class RecordedDelivery(DeliveryFiles):
    """A delivery whose records were read once and kept elsewhere (received
    from Kafka, or parked while it waited behind a held delivery): the parts
    as listed, each with its records in file order."""

    by_part: dict[str, list[dict]] = field(default_factory=dict)

    def records(self, part: PartFile) -> Iterator[RawRecord]:
        for r in self.by_part.get(part.name, []):
            yield RawRecord(part.name, r["line"], r["op"], r["category"], r["id"], r["attrs"], tuple(r["unsupported"]))


# What a damaged archive or an unreadable file raises while being read.
READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError)


def _kind(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


class _Guarded:
    """A part's byte stream whose read errors become a delivery rejection."""

    def __init__(self, fh: IO[bytes], name: str):
        self._fh, self._name = fh, name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._fh.read(size)
        except READ_ERRORS as exc:
            raise DeliveryRejected("unreadable_file", f"cannot read the file ({_kind(exc)})", self._name) from None


def _sha256(fh: IO[bytes]) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    while chunk := fh.read(1 << 20):
        h.update(chunk)
        size += len(chunk)
    return h.hexdigest(), size


@contextmanager
def _open_member(source: Path, container: str, member: str) -> Iterator[IO[bytes]]:
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


def _members(source: Path) -> tuple[str, list[str]]:
    if source.is_file() and source.suffix.lower() == ".xml":
        return "file", [source.name]  # a delivery of one part
    if source.is_dir():
        return "dir", sorted(str(p.relative_to(source)) for p in source.rglob("*.xml") if p.is_file())
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            return "zip", sorted(n for n in zf.namelist() if n.lower().endswith(".xml"))
    try:
        with tarfile.open(source, "r:*") as tf:
            return "tgz", sorted(m.name for m in tf.getmembers() if m.isfile() and m.name.lower().endswith(".xml"))
    except tarfile.TarError:
        raise DeliveryRejected("unreadable_archive", "neither a directory, a zip nor a tar archive", source.name) from None


def discover(path: str | Path) -> DeliveryFiles:
    """List and fingerprint the parts of the delivery at ``path``.

    Raises DeliveryRejected when names do not form one AAF delivery (mixed
    kinds or dates, unknown category, duplicate part)."""
    source = Path(path)
    if not source.exists():
        raise DeliveryRejected("not_found", "no such file or directory", str(source))
    try:
        return _discover(source)
    except READ_ERRORS as exc:
        raise DeliveryRejected("unreadable_archive", f"cannot read the delivery ({_kind(exc)})", source.name) from None


def _discover(source: Path) -> DeliveryFiles:
    container, members = _members(source)
    parts: list[PartFile] = []
    kinds, dates, prefixes = set(), set(), set()
    seen: set[tuple[str, int]] = set()
    for member in members:
        name = member.rsplit("/", 1)[-1]
        m = NAME_RE.match(name)
        if not m:
            continue  # not an AAF part (DTD, readme…)
        category = m.group("category")
        if category not in CATEGORIES:
            raise DeliveryRejected("unknown_category", f"category {category!r} is not an AAF category", name)
        key = (category, int(m.group("part")))
        if key in seen:
            raise DeliveryRejected("duplicate_part", f"part {m.group('part')} of {category} appears twice", name)
        seen.add(key)
        kinds.add(m.group("kind"))
        dates.add(m.group("date"))
        prefixes.add(m.group("prefix"))
        with _open_member(source, container, member) as fh:
            digest, size = _sha256(fh)
        parts.append(PartFile(name, category, key[1], member, digest, size))
    if not parts:
        raise DeliveryRejected("no_aaf_files", "no file named like <PREFIX>_Complet|Delta_<YYYYMMDD>_<Category>_<NNNN>.xml", source.name)
    for what, values in (("kind", kinds), ("date", dates), ("prefix", prefixes)):
        if len(values) > 1:
            raise DeliveryRejected("mixed_delivery", f"files of more than one {what}: {sorted(values)}", source.name)
    return DeliveryFiles(
        source=str(source), container=container,
        kind="complete" if kinds.pop() == "Complet" else "delta",
        date=dates.pop(), prefix=prefixes.pop(), parts=parts,
    )
