"""Reading the start of an XML stream event by event, robustly across lxml
versions.

From lxml 6.2, ``etree.iterparse`` drops the events it parsed in the same read
chunk as a syntax error: a file broken a few lines down yields nothing before
the error. Recognising a file by its start (its root, its first record's
category) must not depend on where the damage is, so the sniffing readers
feed a pull parser in small chunks, which keeps every event parsed before
the error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

CHUNK = 4096


def pull_events(fh: IO[bytes], events: tuple[str, ...], **options: Any) -> Iterator[tuple[str, Any]]:
    """(event, element) of ``fh`` in document order; the events parsed before
    a syntax error are yielded, then the ``XMLSyntaxError`` is raised."""
    parser = etree.XMLPullParser(events=events, **options)
    while True:
        data = fh.read(CHUNK)
        try:
            if data:
                parser.feed(data)
            else:
                parser.close()
        except etree.XMLSyntaxError:
            yield from parser.read_events()
            raise
        yield from parser.read_events()
        if not data:
            return
