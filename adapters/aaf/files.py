"""Finding the files of an AAF delivery (formats §1): a directory, a zip or a
tgz archive. Names following the convention tell category, kind (complete or
delta), date and part; a ``ficAlimMENESR`` file named otherwise is recognised
by its content (the first record names its category) and is never ignored for
its name alone — see ``discover``. The containers are read in containers.py,
the names in names.py, the start of each part in peek.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from adapters.aaf.containers import READ_ERRORS, Guarded, error_kind, list_members, open_member
from adapters.aaf.names import NAME_RE, PartName, establishment_of, four_digit_part, off_convention
from adapters.aaf.parser import RawRecord, read_records
from adapters.aaf.peek import Hashing, peek_part
from adapters.encoding import REASON as ENCODING_MISMATCH
from adapters.errors import DeliveryRejected
from adapters.items import REASON as UNSAFE
from adapters.items import unsafe

# Dependency order in which categories are applied (formats §1).
CATEGORIES = ("EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat")


@dataclass(frozen=True)
class PartFile:
    """One XML part of a delivery, addressed inside its container."""

    name: str
    category: str
    part: int
    member: str  # path inside the container (or on disk)
    sha256: str
    size: int


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
            start = 0 if 0 in numbers or any(four_digit_part(p.name) for p in numbered) else 1
            gaps = [n for n in range(start, max(numbers) + 1) if n not in numbers]
            if gaps:
                missing[cat] = gaps
        return missing

    @contextmanager
    def open(self, part: PartFile) -> Iterator[IO[bytes]]:
        with open_member(Path(self.source), self.container, part.member) as fh:
            yield Guarded(fh, part.name)

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
        raise DeliveryRejected(
            "unreadable_archive", f"cannot read the delivery ({error_kind(exc)})", source.name
        ) from None


def _discover(source: Path) -> DeliveryFiles:
    container, members = list_members(source)
    parts: list[PartFile] = []
    unnumbered: list[tuple[str, str, str, str, int]] = []  # (category, name, member, sha256, size)
    kinds, dates, prefixes = set(), set(), set()
    seen: set[tuple[str, int]] = set()
    for member in members:
        name = member.rsplit("/", 1)[-1]
        m = NAME_RE.match(name)
        said = (
            PartName(m.group("kind"), m.group("date"), m.group("prefix"), m.group("category"), int(m.group("part")))
            if m
            else off_convention(name)
        )
        with open_member(source, container, member) as raw:
            fh = Hashing(raw)
            category = said.category
            if category not in CATEGORIES:
                peek = peek_part(fh, name)
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
                    said = PartName(said.kind, peek.date, said.prefix, None, said.part)
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
