"""How a structure's name is shown (formats §1). Pure functions.

``ENTStructureNomCourant`` is one string in older files
(``CLG-VAL D'ARGENT-ac-LYON``) and a ``$``-compound in newer ones
(``CLG$CLG INTEGRATION$PARIS``), shown with ``-`` like the older ones. The
read model keeps the value as delivered; the queries that serve a name
convert it, so that a store built by an earlier release shows the same
names without a rebuild (domain-rules §12)."""

from __future__ import annotations

SEPARATOR = "$"
SHOWN_AS = "-"


def structure_display_name(nom_courant: str | None) -> str:
    """The name shown for a structure: the ``$``-separated parts of
    ``ENTStructureNomCourant``, trimmed, empty parts dropped, joined with
    ``-`` (formats §1); a name without ``$`` is shown as delivered."""
    if not nom_courant:
        return ""
    if SEPARATOR not in nom_courant:
        return nom_courant
    return SHOWN_AS.join(p.strip() for p in nom_courant.split(SEPARATOR) if p.strip())
