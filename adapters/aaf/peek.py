"""A peek at the start of an AAF part while it is fingerprinted: its root,
its header comments and its first record's category, read in the same pass
as its SHA-256 and the check of its encoding.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from lxml import etree

from adapters.aaf.parser import CATEGORY_OF, ROOT
from adapters.encoding import MojibakeScan
from adapters.errors import DeliveryRejected
from adapters.xmlpull import pull_events

# VE2407 header comment (formats §1); its value's layout is *uncertain*:
# YYYYMMDD, YYYY-MM-DD or DD/MM/YYYY, with or without a time.
_GENERATED_RE = re.compile(r"dateGenerationExport\s*[=:]?\s*[\"']?\s*(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\d{8})")
_REQUESTS = ("addRequest", "modifyRequest", "deleteRequest")


def header_date(comment: str) -> str:
    """The export date of a VE2407 header comment as YYYYMMDD, empty when it names none."""
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


class Hashing:
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
class Peek:
    aaf: bool = False  # the root is ficAlimMENESR
    records: bool = False  # at least one request started
    category: str | None = None  # the first record's, None when none names one
    date: str = ""  # from a dateGenerationExport comment before the root


def peek_part(fh: IO[bytes], name: str) -> Peek:
    """Read the start of a member: its root, its header comments and its
    first record's category, and stop there (cheap on files of hundreds of
    MB). A member that is not XML, or has another root, is not AAF; a
    ``ficAlimMENESR`` file broken before its first category is rejected."""
    peek = Peek()
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
                    peek.date = header_date(elem.text or "")
                continue
            if not peek.aaf:
                if elem.tag != ROOT:
                    return Peek()
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
            return Peek()
        raise DeliveryRejected("malformed_xml", f"not well-formed XML ({exc.msg})", name, exc.lineno or 0) from None
    return peek
