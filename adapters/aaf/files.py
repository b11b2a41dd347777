"""Finding the files of an AAF delivery (formats §1): a directory, a zip or a
tgz archive. Names following the convention tell category, kind (complete or
delta), date and part; a ``ficAlimMENESR`` file named otherwise is recognised
by its content (the first record names its category) and is never ignored for
its name alone — see ``discover``.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from lxml import etree

from adapters.aaf.parser import CATEGORY_OF, ROOT, RawRecord, read_records
from adapters.encoding import REASON as ENCODING_MISMATCH
from adapters.encoding import MojibakeScan
from adapters.errors import DeliveryRejected
from adapters.items import REASON as UNSAFE
from adapters.items import unsafe
from adapters.xmlpull import pull_events

# Dependency order in which categories are applied (formats §1).
CATEGORIES = ("EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat")

NAME_RE = re.compile(
    r"^(?P<prefix>.+?)_(?P<kind>Complet|Delta)_(?P<date>\d{8})_"
    r"(?P<category>[A-Za-z]+)_(?P<part>\d{4})\.xml$"
)
_PER_ETAB_RE = re.compile(r"^ENT_(?P<uai>\d{7}[A-Z])$")
# Names off the convention (formats §1: `FULL_<SOURCE>_…`, `.XML`, other part
# widths, a time after the date, no date at all). Only a `Complet` token makes
# a delivery complete (domain-rules §12); what comes before the kind token is
# the prefix; a part number is a short trailing number (longer runs are dates
# or times); a date is the first 8 digits of a run of 8, 12 or 14 digits.
_KIND_TOKEN_RE = re.compile(r"^(?P<prefix>.*?)(?:^|[_\-.])(?P<kind>complet|delta)(?=[_\-.]|$)", re.IGNORECASE)
_TRAILING_PART_RE = re.compile(r"[_\-.](?P<part>\d{1,5})$")
_DIGIT_RUN_RE = re.compile(r"(?<!\d)(\d{8}|\d{12}|\d{14})(?!\d)")
# VE2407 header comment (formats §1); its value's layout is *uncertain*:
# YYYYMMDD, YYYY-MM-DD or DD/MM/YYYY, with or without a time.
_GENERATED_RE = re.compile(r"dateGenerationExport\s*[=:]?\s*[\"']?\s*(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\d{8})")
_REQUESTS = ("addRequest", "modifyRequest", "deleteRequest")


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
        """Part numbers absent from each category (parts are contiguous from
        0000). Only numbered parts count: an unnumbered part (``part`` < 0,
        a name off the convention without a trailing number) can be missed
        by no one. Off the convention, numbering may start at 1: it is
        counted from 0 only when the category has a part 0 or a four-digit
        part number (the convention's ``NNNN``)."""
        missing: dict[str, list[int]] = {}
        for cat in self.categories():
            numbered = [p for p in self.parts_of(cat) if p.part >= 0]
            if not numbered:
                continue
            numbers = {p.part for p in numbered}
            start = 0 if 0 in numbers or any(_four_digit_part(p.name) for p in numbered) else 1
            gaps = [n for n in range(start, max(numbers) + 1) if n not in numbers]
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


def discover(path: str | Path) -> DeliveryFiles:
    """List and fingerprint the parts of the delivery at ``path``.

    A part is an XML member whose name follows the convention, or any
    ``ficAlimMENESR`` member (formats §1: names vary more than the
    convention). Off the convention, the category is the first record's
    (read up to its ``operationalAttributes`` only), the kind is complete
    only when the name says ``Complet`` as a token — otherwise delta, which
    never causes departures by absence (domain-rules §12) —, the date is the
    name's 8-digit date, else the VE2407 ``dateGenerationExport`` comment,
    else empty, and the part order is the name's trailing number, else name
    order (such a part is unnumbered: ``part`` < 0). A ``ficAlimMENESR`` file
    without any record names no category and carries nothing to apply: it is
    left out. Other members (DTD, readme, other XML) are skipped.

    Raises DeliveryRejected for a link, FIFO, socket or device in the
    delivery (``unsafe_item``, adapters/items.py: never skipped, never
    followed), and when the parts do not form one AAF delivery
    (mixed kinds, dates or prefixes, unknown category, duplicate part, none)."""
    source = Path(path)
    danger = unsafe(source)
    if danger is not None:
        raise DeliveryRejected(UNSAFE, danger.message(), source.name)
    if not source.exists():
        raise DeliveryRejected("not_found", "no such file or directory", str(source))
    try:
        return _discover(source)
    except READ_ERRORS as exc:
        raise DeliveryRejected("unreadable_archive", f"cannot read the delivery ({_kind(exc)})", source.name) from None


@dataclass(frozen=True)
class _Name:
    """What a part's name says: kind (``Complet``/``Delta``), date, prefix,
    category (None off the convention) and part number (None: unnumbered)."""

    kind: str
    date: str
    prefix: str
    category: str | None
    part: int | None


def _four_digit_part(name: str) -> bool:
    m = _TRAILING_PART_RE.search(name.rsplit(".", 1)[0])
    return bool(m) and len(m.group("part")) == 4


def _name_date(stem: str) -> str:
    for m in _DIGIT_RUN_RE.finditer(stem):
        try:
            day = datetime.strptime(m.group(1)[:8], "%Y%m%d")
        except ValueError:
            continue
        if 2000 <= day.year < 2200:
            return m.group(1)[:8]
    return ""


def _off_convention(name: str) -> _Name:
    stem = name[:-4] if name.lower().endswith(".xml") else name
    token = _KIND_TOKEN_RE.match(stem)
    kind = "Complet" if token and token.group("kind").lower() == "complet" else "Delta"
    part = _TRAILING_PART_RE.search(stem)
    return _Name(
        kind, _name_date(stem), token.group("prefix") if token else "", None, int(part.group("part")) if part else None
    )


def _header_date(comment: str) -> str:
    m = _GENERATED_RE.search(comment)
    if not m:
        return ""
    value = m.group(1)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(value, fmt).strftime("%Y%m%d")
        except ValueError:
            continue
    return ""


class _Hashing:
    """A byte stream that hashes what is read through it, so that a part is
    peeked at and fingerprinted in one pass."""

    def __init__(self, fh: IO[bytes]):
        self._fh, self.sha, self.size = fh, hashlib.sha256(), 0
        self.encoding = MojibakeScan()  # UTF-8 bytes under a Latin-1 declaration (adapters/encoding.py)

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.sha.update(data)
        self.size += len(data)
        self.encoding.feed(data)
        return data

    def finish(self) -> tuple[str, int]:
        while self.read(1 << 20):
            pass
        self.encoding.finish()
        return self.sha.hexdigest(), self.size


@dataclass
class _Peek:
    aaf: bool = False  # the root is ficAlimMENESR
    records: bool = False  # at least one request started
    category: str | None = None  # the first record's, None when none names one
    date: str = ""  # from a dateGenerationExport comment before the root


def _peek(fh: IO[bytes], name: str) -> _Peek:
    """Read the start of a member: its root, its header comments and its
    first record's category, and stop there (cheap on files of hundreds of
    MB). A member that is not XML, or has another root, is not AAF; a
    ``ficAlimMENESR`` file broken before its first category is rejected."""
    peek = _Peek()
    etree.clear_error_log()
    # A pull parser, not iterparse: the start must be read whatever the damage further down (adapters/xmlpull.py).
    context = pull_events(
        fh,
        ("start", "end", "comment"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )
    try:
        for event, elem in context:
            if event == "comment":
                if not peek.aaf and not peek.date:
                    peek.date = _header_date(elem.text or "")
                continue
            if not peek.aaf:
                if elem.tag != ROOT:
                    return _Peek()
                peek.aaf = True
                continue
            if event == "start":
                peek.records = peek.records or elem.tag in _REQUESTS
            elif elem.tag == "operationalAttributes":
                for attr in elem:
                    if attr.tag == "attr":
                        values = [(v.text or "").strip() for v in attr if v.tag == "value"]
                        peek.category = CATEGORY_OF.get((attr.get("name", ""), values[0] if values else ""), "?")
                        return peek
                peek.category = "?"
                return peek
    except etree.XMLSyntaxError as exc:
        if not peek.aaf:
            return _Peek()
        raise DeliveryRejected("malformed_xml", f"not well-formed XML ({exc.msg})", name, exc.lineno or 0) from None
    return peek


def _discover(source: Path) -> DeliveryFiles:
    container, members = _members(source)
    parts: list[PartFile] = []
    unnumbered: list[tuple[str, str, str, str, int]] = []  # (category, name, member, sha256, size)
    kinds, dates, prefixes = set(), set(), set()
    seen: set[tuple[str, int]] = set()
    for member in members:
        name = member.rsplit("/", 1)[-1]
        m = NAME_RE.match(name)
        said = (
            _Name(m.group("kind"), m.group("date"), m.group("prefix"), m.group("category"), int(m.group("part")))
            if m
            else _off_convention(name)
        )
        with _open_member(source, container, member) as raw:
            fh = _Hashing(raw)
            category = said.category
            if category not in CATEGORIES:
                peek = _peek(fh, name)
                if m is None and not peek.aaf:
                    continue  # not an AAF part (readme, another XML…)
                if m is None and not peek.records:
                    continue  # no record: no category, nothing to apply (left out)
                if peek.category not in CATEGORIES:
                    raise DeliveryRejected(
                        "unknown_category",
                        f"category {category!r} is not an AAF category"
                        if m is not None
                        else "its first record names no AAF category (operationalAttributes)",
                        name,
                    )
                category = peek.category
                if m is None and not said.date and peek.date:
                    said = _Name(said.kind, peek.date, said.prefix, None, said.part)
            digest, size = fh.finish()
            if fh.encoding.found:
                raise DeliveryRejected(ENCODING_MISMATCH, fh.encoding.message(), name, fh.encoding.found)
        if said.part is None:
            unnumbered.append((category, name, member, digest, size))
        else:
            key = (category, said.part)
            if key in seen:
                raise DeliveryRejected("duplicate_part", f"part {said.part:04d} of {category} appears twice", name)
            seen.add(key)
            parts.append(PartFile(name, category, said.part, member, digest, size))
        kinds.add(said.kind)
        dates.add(said.date)
        prefixes.add(said.prefix)
    # Unnumbered parts come in name order, before the numbered ones of their
    # category; negative numbers keep them out of missing-part detection.
    for category in CATEGORIES:
        mine = sorted((u for u in unnumbered if u[0] == category), key=lambda u: u[1])
        for i, (_, name, member, digest, size) in enumerate(mine):
            parts.append(PartFile(name, category, i - len(mine), member, digest, size))
    if not parts:
        raise DeliveryRejected(
            "no_aaf_files",
            "no AAF part: no ficAlimMENESR file with records, and no file named "
            "like <PREFIX>_Complet|Delta_<YYYYMMDD>_<Category>_<NNNN>.xml",
            source.name,
        )
    for what, values in (("kind", kinds), ("date", dates), ("prefix", prefixes)):
        if len(values) > 1:
            shown = sorted(v or "(none)" for v in values)
            hint = " (a file whose name does not say Complet is a delta)" if what == "kind" else ""
            raise DeliveryRejected("mixed_delivery", f"files of more than one {what}: {shown}{hint}", source.name)
    return DeliveryFiles(
        source=str(source),
        container=container,
        kind="complete" if kinds.pop() == "Complet" else "delta",
        date=dates.pop(),
        prefix=prefixes.pop(),
        parts=parts,
    )
