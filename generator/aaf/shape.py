"""The shape of one run's deliveries (``--format-version``, ``--names``,
``--real-shapes``): the header comments of every part and the file names,
conventional or as real deliveries name them."""

from __future__ import annotations

from dataclasses import dataclass

from ..academie.model import Academie
from .layout import EMPTY
from .versions import DEFAULT_VERSION, EMPTY_ITEM_VE1301

NAME_STYLES = ("conventional", "full-source", "ent-no-uai", "ent2dva")
# Official académie codes, for VE2407's codeAcademieExport.
ACADEMY_CODES = {"GRENOBLE": "08", "LYON": "10", "NANTES": "17"}
# The values of the VE2407 header comments are *uncertain*: formats §1 names them only.
SDET_VERSION = "7.0"


@dataclass(frozen=True, slots=True)
class Shape:
    """The shape of the deliveries of one run (the generator's options)."""

    version: str = DEFAULT_VERSION
    names: str = "conventional"
    real: bool = False

    @classmethod
    def of(cls, options) -> Shape:
        """The shape ``entsync generate``'s options ask for."""
        return cls(options.format_version, options.names, options.real_shapes)

    @property
    def default(self) -> bool:
        return self == Shape()

    @property
    def empty_item(self) -> str:
        return EMPTY_ITEM_VE1301 if self.version == "VE1301" else EMPTY


def header(version: str, acad: Academie, on: str) -> str:
    """The comment lines after the DOCTYPE of every part of a delivery made on ``on`` (YYYYMMDD)."""
    lines = f'<!-- versionAF="AAF-{version}" -->\n'
    if version == "VE2407":
        lines += (
            f'<!-- versionSDET="{SDET_VERSION}" -->\n'
            f'<!-- codeAcademieExport="{ACADEMY_CODES.get(acad.name, "00")}" -->\n'
            '<!-- degre="2" -->\n'
            f'<!-- dateGenerationExport="{on[6:]}/{on[4:6]}/{on[:4]}" -->\n'
        )
    return lines


def file_stem(style: str, prefix: str, kind: str, on: str, category: str) -> str:
    """Part file name without ``_NNNN.xml``. ``full-source`` names only complete
    deliveries ``FULL_<prefix>_…`` (a delta called FULL would contradict
    itself: its deltas keep the conventional name); ``ent-no-uai`` and
    ``ent2dva`` replace the prefix."""
    lead = {
        "conventional": prefix,
        "full-source": f"FULL_{prefix}" if kind == "Complet" else prefix,
        "ent-no-uai": "ENT",
        "ent2dva": "ENT2DVA-ENT16",
    }[style]
    return f"{lead}_{kind}_{on}_{category}"
