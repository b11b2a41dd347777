"""UTF-8 bytes under a single-byte encoding declaration (issue 18, point 7):
a file that says ``encoding="ISO-8859-1"`` (or ISO-8859-15, windows-1252)
but holds UTF-8 would be read as ``LÃ©na`` for Léna and re-record every
person with an accent. The classic pattern is a UTF-8 lead byte of the
Latin letters (0xC2, 0xC3, 0xC5) followed by a continuation byte
(0x80–0xBF): in those encodings that is ``Â``/``Ã``/``Å`` followed by a
symbol or a control character, which no French name writes.

:class:`MojibakeScan` is fed the file's bytes as they are read (the
fingerprinting pass already reads every byte) and says where the first such
pair is; the reader then refuses the part (``encoding_mismatch``).
"""

from __future__ import annotations

import re

REASON = "encoding_mismatch"
SINGLE_BYTE = frozenset(
    {
        "iso-8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "iso-8859-15",
        "iso8859-15",
        "latin9",
        "latin-9",
        "windows-1252",
        "cp1252",
    }
)
_DECLARATION = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_PAIR = re.compile(rb"[\xc2\xc3\xc5][\x80-\xbf]")


class MojibakeScan:
    """Feed bytes in order; ``found`` is the line of the first UTF-8 pair in a
    file declared single-byte, else 0."""

    def __init__(self) -> None:
        self.declared: str | None = None  # lower-cased, once the head was seen
        self.found = 0
        self._line = 1
        self._carry = b""
        self._head = b""

    def feed(self, data: bytes) -> None:
        if self.found or not data:
            return
        if self.declared is None:
            self._head += data
            if len(self._head) < 200 and b"?>" not in self._head:
                return  # the declaration is not all there yet
            self._declare()
            return
        self._scan(data)

    def finish(self) -> None:
        """The end of the file: a head shorter than the look-ahead is judged too."""
        if self.declared is None and self._head:
            self._declare()

    def _declare(self) -> None:
        m = _DECLARATION.match(self._head)
        self.declared = m.group(1).decode("ascii").lower() if m else ""
        head, self._head = self._head, b""
        self._scan(head)

    def _scan(self, data: bytes) -> None:
        if self.found or self.declared not in SINGLE_BYTE:
            return
        chunk = self._carry + data
        m = _PAIR.search(chunk)
        if m:
            self.found = self._line + chunk.count(b"\n", 0, m.start()) - self._carry.count(b"\n")
            return
        self._line += data.count(b"\n")
        # A pair may straddle two reads: keep the last byte (a lead byte is never a newline).
        self._carry = chunk[-1:] if chunk[-1:] in (b"\xc2", b"\xc3", b"\xc5") else b""

    def message(self) -> str:
        return (
            f"the file declares encoding {self.declared!r} but holds UTF-8 bytes from line {self.found} "
            "(é would read Ã©): the part is refused rather than recording every accented name wrongly; "
            "export it again, or fix its declaration to UTF-8"
        )
