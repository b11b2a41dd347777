"""Streaming reader of AAF XML parts (formats §1).

Yields one RawRecord per addRequest / modifyRequest / deleteRequest, with
values trimmed (a family or first name of blanks only becomes ``BLANK``) and
the source line, clearing elements as it goes so memory
stays flat on files of hundreds of MB. It knows the format, not the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from lxml import etree

from adapters.errors import DeliveryRejected

ROOT = "ficAlimMENESR"
REQUESTS = ("addRequest", "modifyRequest", "deleteRequest")
OPS = {"addRequest": "add", "modifyRequest": "modify", "deleteRequest": "delete"}
# A name typed as blanks only is kept as one space, to tell it from an empty
# value: the first is an implausible value set aside, the second a fiche
# incomplète (domain-rules §5, §12). Records with such a name were always
# rejected before, so no stored digest covers one.
BLANK = " "
BLANK_KEPT = frozenset({"sn", "givenName"})
# operationalAttributes name → value → category as used in file names.
CATEGORY_OF = {
    ("categoriePersonne", "Eleve"): "Eleve",
    ("categoriePersonne", "PersRelEleve"): "PersRelEleve",
    ("categoriePersonne", "PersEducNat"): "PersEducNat",
    ("categorieStructure", "EtabEducNat"): "EtabEducNat",
    ("categorieMatiere", "MatEducNat"): "MatiereEducNat",
    ("categorieMef", "MefEducNat"): "MefEducNat",
}


# The format version, in a comment near the top of each part (formats §1):
# ``<!-- versionAF="AAF-VE1803" -->``. Comments are dropped by the parser, so
# the head of the file is read for it first. Several versions are in use at
# once; an unknown or missing comment means "read the record by what it
# carries" (domain-rules §12).
_VERSION_RE = re.compile(rb"versionAF\s*=\s*[\"']?AAF-VE(\d{4})")
HEAD_BYTES = 4096
# The INE exists from AAF-VE1803 (formats §1).
INE = "ENTEleveINE"
INE_SINCE = 1803


def format_version(head: bytes) -> int | None:
    """The AAF-VE number (1301, 1803, 2407…) declared in a part's head, else None."""
    m = _VERSION_RE.search(head)
    return int(m.group(1)) if m else None


def by_version(op: str, category: str, attrs: dict[str, list[str]], version: int | None) -> None:
    """Make a whole student record say what its version carries, so that the
    rules can read it by presence alone (also when it comes back parked or
    from Kafka, without its file): from VE1803 the INE is always there, empty
    when unknown; a VE1301 record has none by format, whatever it shows."""
    if op != "add" or category != "Eleve" or version is None:
        return
    if version >= INE_SINCE:
        attrs.setdefault(INE, [])
    elif not attrs.get(INE):
        attrs.pop(INE, None)


class _Prefixed:
    """A byte stream whose first bytes were already read (to find the version)."""

    def __init__(self, head: bytes, fh: IO[bytes]):
        self._head, self._fh = head, fh

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._fh.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._fh.read(size)


class RawRecord:
    """One request as read: ``attrs`` maps attribute name → list of values
    (for a modify, only the attributes it replaces)."""

    __slots__ = ("file", "line", "op", "category", "id", "attrs", "unsupported", "version")

    def __init__(
        self,
        file: str,
        line: int,
        op: str,
        category: str,
        id: str,
        attrs: dict[str, list[str]],
        unsupported: tuple[str, ...] = (),
        version: int | None = None,
    ):
        self.file, self.line, self.op, self.category, self.id, self.attrs = file, line, op, category, id, attrs
        # attributes of a modifyRequest whose operation is not "replace"
        self.unsupported = unsupported
        # the part's AAF-VE number when its head declared one (a record parked
        # or received from Kafka has none: read by what it carries)
        self.version = version

    def __reduce__(self):
        return RawRecord, (
            self.file,
            self.line,
            self.op,
            self.category,
            self.id,
            self.attrs,
            self.unsupported,
            self.version,
        )


def _not_plain(rec_id: str, value, file: str, line: int) -> None:
    """A value holding markup or a comment would be read cut at it: refused."""
    attr = value.getparent().get("name", "?") if value.getparent() is not None else "?"
    raise DeliveryRejected(
        "value_not_plain_text",
        f"record {rec_id or '?'} attribute {attr}: a value holds markup, "
        "a comment or a processing instruction, not plain text; refused rather than cut",
        file,
        value.sourceline or line,
    )


def _values(attr_elem) -> list[str]:
    """Trimmed values; a lone empty ``<value/>`` means the attribute is empty
    (every attribute is present in a record, formats §1)."""
    values = [(v.text or "").strip() for v in attr_elem if v.tag == "value"]
    return values if any(values) else []


def _check_dtd(root, file: str) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DeliveryRejected("entity_declaration", "the file declares XML entities; refused (entity expansion)", file)


def read_records(fh: IO[bytes], file: str, expected_category: str) -> Iterator[RawRecord]:
    """Records of one part file. Raises DeliveryRejected on a file that is not
    well-formed, has another root, or holds a record of another category."""
    etree.clear_error_log()
    head = fh.read(HEAD_BYTES)
    version = format_version(head)
    context = etree.iterparse(
        _Prefixed(head, fh),
        events=("end",),
        tag=REQUESTS,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for _, elem in context:
            if not checked:
                root = elem.getroottree().getroot()
                if root.tag != ROOT:
                    raise DeliveryRejected(
                        "wrong_root", f"root element is {root.tag!r}, expected {ROOT!r}", file, root.sourceline or 0
                    )
                _check_dtd(root, file)
                checked = True
            record = _record(elem, file, expected_category)
            record.version = version
            by_version(record.op, record.category, record.attrs, version)
            yield record
            elem.clear(keep_tail=True)
            while elem.getprevious() is not None:
                del elem.getparent()[0]
        if not checked:
            root = context.root
            if root is None or root.tag != ROOT:
                tag = None if root is None else root.tag
                raise DeliveryRejected("wrong_root", f"root element is {tag!r}, expected {ROOT!r}", file)
            _check_dtd(root, file)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, file) from None


def _syntax_error(exc: etree.XMLSyntaxError, file: str) -> DeliveryRejected:
    """When iterparse only says 'no element found' at line 0 (an undefined
    entity stops the parser), the error libxml2 logged has the real reason
    and line. The log is cleared before each file, so it is this file's."""
    message, line = exc.msg, exc.lineno or 0
    if not line:
        logged = [e for e in exc.error_log if e.level_name in ("ERROR", "FATAL")]
        if logged:
            message, line = logged[-1].message, logged[-1].line
    lowered = message.lower()
    if "amplification" in lowered or "entity" in lowered and ("loop" in lowered or "declar" in lowered):
        return DeliveryRejected("entity_declaration", f"entity expansion refused ({message})", file, line)
    if "entity" in lowered and "not defined" in lowered:
        return DeliveryRejected(
            "undefined_entity", f"the file uses an entity it does not define ({message})", file, line
        )
    if "resource limit exceeded" in lowered or "huge input lookup" in lowered:
        # libxml2's bound on one text node or attribute (10 MB; the huge_tree
        # option that would lift it stays off): no AAF value is that long.
        return DeliveryRejected(
            "value_too_large",
            f"a value longer than the parser's 10 MB limit ({message}); "
            "no AAF value is that long: refused, nothing stored",
            file,
            line,
        )
    return DeliveryRejected("malformed_xml", f"not well-formed XML ({message})", file, line)


def _record(elem, file: str, expected_category: str) -> RawRecord:
    # The hot loop of every ingest: one pass over the children, no helper calls.
    op = OPS[elem.tag]
    line = elem.sourceline or 0
    category = ""
    rec_id = ""
    attrs: dict[str, list[str]] = {}
    unsupported: list[str] = []
    name = ""
    for child in elem:
        tag = child.tag
        if tag == "attributes" or tag == "modifications":
            # One C-level walk yields each <attr> (<modification>) then its <value>s.
            values: list[str] = []
            for node in child.iter("attr", "modification", "value"):
                if node.tag == "value":
                    text = node.text
                    if text:
                        text = text.strip() or (BLANK if name in BLANK_KEPT else "")
                        values.append(text)
                    else:
                        values.append("")
                    continue
                values = []
                name = node.get("name", "")
                attrs[name] = values
                if tag == "modifications" and node.get("operation", "replace") != "replace":
                    unsupported.append(name)
            for name, values in attrs.items():
                if values and not any(values):
                    attrs[name] = []
        elif tag == "identifier":
            for idel in child:
                if idel.tag == "id":
                    rec_id = (idel.text or "").strip()
        elif tag == "operationalAttributes":
            for attr in child:
                if attr.tag == "attr":
                    values = _values(attr)
                    category = CATEGORY_OF.get((attr.get("name", ""), values[0] if values else ""), "?")
    for node in elem.iter(etree.Entity, etree.Comment, etree.ProcessingInstruction):
        if isinstance(node, etree._Entity):
            # An entity the parser did not resolve (declared in a DTD we never load):
            # its value would be silently cut short. Refuse the file.
            raise DeliveryRejected(
                "undefined_entity",
                f"record {rec_id or '?'} uses an entity reference ({node.text}) that is not a character reference",
                file,
                node.sourceline or line,
            )
        if node.getparent() is not None and node.getparent().tag == "value":
            _not_plain(rec_id, node.getparent(), file, line)
    for node in elem.iterfind(".//value/*"):
        _not_plain(rec_id, node.getparent(), file, line)  # markup inside a value (an XInclude, a tag)
    if category != expected_category:
        raise DeliveryRejected(
            "unknown_category" if category == "?" else "category_mismatch",
            f"record {rec_id or '?'} has category {category or 'none'!r} in a {expected_category} file",
            file,
            line,
        )
    return RawRecord(file, line, op, category, rec_id, attrs, tuple(unsupported))
