"""Writing the XML files of the SIECLE, STS-web and timetable exports and
of their variants (the AAF deliveries stream their own, ``aaf/writer.py``)."""

from __future__ import annotations

import os

# (name in the XML declaration, Python codec): SIECLE and STS-web exports are
# Latin-9, timetable exports UTF-8.
ISO_8859_15 = ("ISO-8859-15", "iso8859_15")
UTF_8 = ("UTF-8", "utf-8")


def escape(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def element(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>"


def write_xml(path: str, text: str, encoding: tuple[str, str]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding=encoding[1], errors="xmlcharrefreplace", newline="\n") as fh:
        fh.write(f'<?xml version="1.0" encoding="{encoding[0]}"?>\n')
        fh.write(text)


def write_bytes(out: str, rel: str, data: bytes) -> None:
    """Write ``data`` as ``out/rel``: the variants that are byte edits of a base export."""
    os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
    with open(os.path.join(out, rel), "wb") as fh:
        fh.write(data)
