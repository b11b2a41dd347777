"""The manifest's long lists (every jointure of a delivery, the churn) kept
on disk while the académie is written, one establishment at a time, and
streamed into ``manifest.json`` at the end: memory does not grow with the
académie."""

from __future__ import annotations

import json
import os


class Spool:
    """A JSON list kept on disk, one item per line, so memory does not grow with the académie."""

    def __init__(self, directory: str, name: str):
        self.path = os.path.join(directory, f"{name}.jsonl")
        self.fh = open(self.path, "w", encoding="utf-8")
        self.count = 0

    def ids(self, idents) -> None:
        """Append identifiers (digit strings: no JSON escaping needed)."""
        idents = list(idents)
        self.fh.write("".join(f'"{i}"\n' for i in idents))
        self.count += len(idents)

    def items(self, items) -> None:
        """Append arbitrary JSON-serialisable items."""
        for item in items:
            self.fh.write(json.dumps(item, ensure_ascii=False) + "\n")
            self.count += 1

    def dump(self, out) -> None:
        self.fh.close()
        out.write("[")
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                out.write((", " if n else "") + line.rstrip("\n"))
        out.write("]")


def dump_json(obj, out, indent: int = 0) -> None:
    """``json.dump`` with :class:`Spool` values streamed in place."""
    pad = "  " * (indent + 1)
    if isinstance(obj, Spool):
        obj.dump(out)
    elif isinstance(obj, dict):
        out.write("{")
        for n, (k, v) in enumerate(obj.items()):
            out.write(("," if n else "") + f"\n{pad}{json.dumps(k)}: ")
            dump_json(v, out, indent + 1)
        out.write(f"\n{'  ' * indent}}}" if obj else "}")
    else:
        out.write(json.dumps(obj, ensure_ascii=False))
