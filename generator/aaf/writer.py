"""Writing AAF records as part files, streamed.

Writing never builds a tree: each record becomes one string that goes to a
text stream whose codec does the work in C (``xmlcharrefreplace`` turns the
characters the declared encoding lacks, like ``œ`` in ISO-8859-1, into
numeric character references; ``newline`` gives CRLF files).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable

from .layout import ATTRIBUTES, EMPTY, ENCODINGS, HEADER, OPERATIONAL, Values


def _esc(v: str) -> str:
    if "&" in v or "<" in v or ">" in v:
        return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return v


def _values(vals: tuple[str, ...], empty_item: str = EMPTY) -> str:
    if len(vals) == 1:
        v = vals[0]
        return f"<value>{_esc(v)}</value>" if v else "<value/>"
    if not vals:
        return "<value/>"  # every attribute is present, even when empty
    return "".join(f"<value>{_esc(v)}</value>" if v else empty_item for v in vals)


class PartWriter:
    """Writes one category of one delivery as numbered part files of at most ``part_size`` records.

    ``names`` (the attribute layout of the format version, default
    :data:`ATTRIBUTES`), ``header`` (the comment lines after the DOCTYPE) and
    ``empty_item`` (how an empty value inside a list is spelled) come from
    ``shape`` and ``versions`` when the delivery is not of the default shape.
    """

    def __init__(
        self,
        directory: str,
        stem: str,
        category: str,
        part_size: int,
        encoding: str,
        shuffle: random.Random | None = None,
        names: tuple[str, ...] | None = None,
        header: str = HEADER,
        empty_item: str = EMPTY,
    ):
        self.directory, self.stem, self.category, self.part_size = directory, stem, category, part_size
        self.decl, self.codec, crlf = ENCODINGS[encoding]
        self.newline = "\r\n" if crlf else "\n"
        self.shuffle = shuffle
        self.names = ATTRIBUTES[category] if names is None else names
        self.header, self.empty_item = header, empty_item
        name, value = OPERATIONAL[category]
        self.op = f'<operationalAttributes><attr name="{name}"><value>{value}</value></attr></operationalAttributes>\n'
        self.attr_open = [f'<attr name="{n}">' for n in self.names]
        self.mod_open = [f'<modification name="{n}" operation="replace">' for n in self.names]
        self.fh = None
        self.parts = 0  # files written so far
        self.in_part = 0  # records in the open file
        self.counts = {"add": 0, "modify": 0, "delete": 0}
        self.bytes = 0

    def _order(self, n: int) -> list[int] | range:
        if self.shuffle is None:
            return range(n)
        order = list(range(n))
        self.shuffle.shuffle(order)
        return order

    def _emit(self, text: str, kind: str) -> None:
        if self.fh is None or self.in_part >= self.part_size:
            self._open_next()
        self.fh.write(text)
        self.in_part += 1
        self.counts[kind] += 1

    def _open_next(self) -> None:
        self._close_part()
        path = os.path.join(self.directory, f"{self.stem}_{self.parts:04d}.xml")
        self.fh = open(
            path, "w", encoding=self.codec, errors="xmlcharrefreplace", newline=self.newline, buffering=1 << 20
        )
        self.path = path
        self.fh.write(
            f'<?xml version="1.0" encoding="{self.decl}"?>\n'
            '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
            f"{self.header}<ficAlimMENESR>\n"
        )
        self.parts += 1
        self.in_part = 0

    def _close_part(self) -> None:
        if self.fh is not None:
            self.fh.write("</ficAlimMENESR>\n")
            self.fh.close()
            self.bytes += os.path.getsize(self.path)
            self.fh = None

    def add(self, ident: str, values: Values) -> None:
        """Write an ``addRequest`` carrying every attribute."""
        empty = self.empty_item
        attrs = "".join(f"{self.attr_open[i]}{_values(values[i], empty)}</attr>\n" for i in self._order(len(values)))
        self._emit(
            f"<addRequest>\n{self.op}<identifier><id>{ident}</id></identifier>\n"
            f"<attributes>\n{attrs}</attributes>\n</addRequest>\n",
            "add",
        )

    def modify(self, ident: str, changes: list[tuple[int, tuple[str, ...]]]) -> None:
        """Write a ``modifyRequest`` replacing the full value list of each changed attribute."""
        empty = self.empty_item
        mods = "".join(
            f"{self.mod_open[changes[k][0]]}{_values(changes[k][1], empty)}</modification>\n"
            for k in self._order(len(changes))
        )
        self._emit(
            f"<modifyRequest>\n{self.op}<identifier><id>{ident}</id></identifier>\n"
            f"<modifications>\n{mods}</modifications>\n</modifyRequest>\n",
            "modify",
        )

    def delete(self, ident: str) -> None:
        """Write a ``deleteRequest`` (operational attributes and identifier only)."""
        self._emit(f"<deleteRequest>\n{self.op}<identifier><id>{ident}</id></identifier>\n</deleteRequest>\n", "delete")

    def write_ops(self, ops: Iterable[tuple[str, str, object]]) -> None:
        """Write the operations produced by :func:`.records.diff`."""
        for op, ident, payload in ops:
            if op == "add":
                self.add(ident, payload)
            elif op == "modify":
                self.modify(ident, payload)
            else:
                self.delete(ident)

    def close(self) -> None:
        """Finish the last part; a category with no record still gets an empty part 0000."""
        if self.parts == 0:
            self._open_next()
        self._close_part()
