"""The SIECLE variants of one establishment's latest students export (the
*base*): byte edits of it, so that the reader sees the same records, each
meant to trigger one outcome of the SIECLE import."""

from __future__ import annotations

import os
from datetime import timedelta

from ..academie.identifiers import wrong_check_letter
from ..academie.model import Population
from ..dates import day, french
from ..variant_outcomes import VARIANTS
from ..xml_files import write_bytes


def _once(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace the one occurrence of ``old``; the base is ours, so anything else is a bug here."""
    if data.count(old) != 1:
        raise ValueError(f"variant edit: expected one {old!r} in the base export")
    return data.replace(old, new)


def write_siecle_variants(out: str, pop: Population, on: str, base_path: str) -> list[dict]:
    """The SIECLE variants of the students export at ``base_path`` (exported
    on ``on``), byte edits of it: the reader sees the same records."""
    uai = pop.etab.uai
    root = os.path.join("variants", uai)
    base = open(os.path.join(out, base_path), "rb").read()
    name = os.path.basename(base_path)
    made: list[dict] = []

    def write(variant: str, data: bytes, file: str = name, **extra) -> None:
        rel = os.path.join(root, variant, file)
        write_bytes(out, rel, data)
        made.append({"name": variant, "uai": uai, "path": rel, "base": base_path, **VARIANTS[variant], **extra})

    today = french(day(on))
    older = french(day(on) - timedelta(days=7))
    write("siecle-duplicate", base, name.replace(".xml", "_copie.xml"))
    data = _once(base, f"<DATE_EXPORT>{today}</DATE_EXPORT>".encode(), f"<DATE_EXPORT>{older}</DATE_EXPORT>".encode())
    data = _once(data, f"<HORODATAGE>{today} ".encode(), f"<HORODATAGE>{older} ".encode())
    write(
        "siecle-older-export",
        data,
        exported_on=day(on).isoformat(),
        variant_exported_on=(day(on) - timedelta(days=7)).isoformat(),
    )
    write("siecle-malformed", base[: len(base) // 2])
    write(
        "siecle-invalid-uai",
        _once(base, f"<UAJ>{uai}</UAJ>".encode(), f"<UAJ>{wrong_check_letter(uai)}</UAJ>".encode()),
    )
    write(
        "siecle-invalid-header",
        _once(
            base,
            f"<DATE_EXPORT>{today}</DATE_EXPORT>".encode(),
            f"<DATE_EXPORT>{day(on).isoformat()}</DATE_EXPORT>".encode(),
        ),
    )
    start, end = base.index(b"  <PARAMETRES>"), base.index(b"</PARAMETRES>\n") + len(b"</PARAMETRES>\n")
    write("siecle-missing-parametres", base[:start] + base[end:])
    declaration = base.index(b"?>\n") + 3
    write(
        "siecle-entity-declaration",
        base[:declaration] + b'<!DOCTYPE BEE_ELEVES [\n  <!ENTITY etab "x">\n]>\n' + base[declaration:],
    )
    return made
