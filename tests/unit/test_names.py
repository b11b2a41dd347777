"""A structure's name as shown (formats §1): `$`-compounds with `-`."""

from __future__ import annotations

import pytest

from projections.names import structure_display_name

CASES = [
    # ENTStructureNomCourant, shown
    ("CLG$CLG INTEGRATION$PARIS", "CLG-CLG INTEGRATION-PARIS"),
    ("LYC$LYCEE DU BOIS-JOLI$METZ", "LYC-LYCEE DU BOIS-JOLI-METZ"),  # a hyphen inside a part stays
    ("CLG$VAL D'ARGENT$NANCY-METZ", "CLG-VAL D'ARGENT-NANCY-METZ"),  # apostrophes stay
    ("CLG $ JEAN MOULIN $ LYON", "CLG-JEAN MOULIN-LYON"),  # parts trimmed
    ("CLG$$PARIS", "CLG-PARIS"),  # an empty part dropped
    ("$CLG INTEGRATION$", "CLG INTEGRATION"),
    ("CLG-VAL D'ARGENT-ac-LYON", "CLG-VAL D'ARGENT-ac-LYON"),  # older names as delivered
    ("Z.REMP-METZ NORD", "Z.REMP-METZ NORD"),
    ("COLLÈGE JEAN-MOÏSE D'ARGENT", "COLLÈGE JEAN-MOÏSE D'ARGENT"),
    ("$", ""),
    ("", ""),
    (None, ""),
]


@pytest.mark.parametrize("delivered, shown", CASES, ids=[repr(c[0]) for c in CASES])
def test_structure_display_name(delivered, shown):
    assert structure_display_name(delivered) == shown
