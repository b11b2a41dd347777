"""A student's guardian links (formats §1, domain-rules §1): from
ENTElevePersRelEleve and, for the guardians it does not name, from the
older relation attributes (ENTElevePere, ENTEleveMere,
ENTElevePersRelEleve1/2 with their quality, ENTEleveParents,
ENTEleveAutoriteParentale)."""

from __future__ import annotations

import pytest

from events.derive import account_source, guardian_links

CASES = [
    # id, student attributes, guardian jointure → (respLegal, lien)
    ("nothing", {}, {}),
    (
        "all empty",
        {"ENTElevePersRelEleve": [], "ENTElevePere": [], "ENTEleveMere": [], "ENTEleveAutoriteParentale": []},
        {},
    ),
    (
        "current attribute",
        {"ENTElevePersRelEleve": ["2000001$10$1$1$1$1", "2000002$20$0$2$0$0"]},
        {"2000001": ("1", "10"), "2000002": ("2", "20")},
    ),
    ("contact only", {"ENTElevePersRelEleve": ["2000001$90$0$0$1$0"]}, {"2000001": ("0", "90")}),
    ("empty value among relations", {"ENTElevePersRelEleve": ["", "2000001$10$1$1$1$1"]}, {"2000001": ("1", "10")}),
    ("short or id-less relations ignored", {"ENTElevePersRelEleve": ["2000001$10", "$10$1$1$1$1"]}, {}),
    (
        "père and mère, no authority list",
        {"ENTElevePere": ["2000001"], "ENTEleveMere": ["2000002"]},
        {"2000001": ("1", "20"), "2000002": ("1", "10")},
    ),
    (
        "père and mère, empty authority list",
        {"ENTElevePere": ["2000001"], "ENTEleveMere": ["2000002"], "ENTEleveAutoriteParentale": []},
        {"2000001": ("1", "20"), "2000002": ("1", "10")},
    ),
    (
        "authority with the mère only",
        {"ENTElevePere": ["2000001"], "ENTEleveMere": ["2000002"], "ENTEleveAutoriteParentale": ["2000002"]},
        {"2000001": ("0", "20"), "2000002": ("1", "10")},
    ),
    (
        "compound values: the text before $",
        {"ENTEleveMere": ["2000002$KOFFI$Adjoua"], "ENTEleveAutoriteParentale": ["2000002$1"]},
        {"2000002": ("1", "10")},
    ),
    (
        "quality PERE, MERE",
        {
            "ENTElevePersRelEleve1": ["2000001"],
            "ENTEleveQualitePersRelEleve1": ["PERE"],
            "ENTElevePersRelEleve2": ["2000002"],
            "ENTEleveQualitePersRelEleve2": ["MERE"],
        },
        {"2000001": ("1", "20"), "2000002": ("1", "10")},
    ),
    (
        "quality TUTEUR, lower case and padded",
        {"ENTElevePersRelEleve1": ["2000003"], "ENTEleveQualitePersRelEleve1": [" tuteur "]},
        {"2000003": ("1", "50")},
    ),
    (
        "quality accented",
        {"ENTElevePersRelEleve2": ["2000002"], "ENTEleveQualitePersRelEleve2": ["MÈRE"]},
        {"2000002": ("1", "10")},
    ),
    (
        "quality unknown or missing: autre lien",
        {
            "ENTElevePersRelEleve1": ["2000004"],
            "ENTEleveQualitePersRelEleve1": ["GRAND-MERE"],
            "ENTElevePersRelEleve2": ["2000005"],
            "ENTEleveQualitePersRelEleve2": [],
        },
        {"2000004": ("1", "90"), "2000005": ("1", "90")},
    ),
    (
        "quality already a lien code",
        {"ENTElevePersRelEleve1": ["2000003"], "ENTEleveQualitePersRelEleve1": ["50"]},
        {"2000003": ("1", "50")},
    ),
    (
        "second relation outside the authority list",
        {
            "ENTElevePersRelEleve1": ["2000003"],
            "ENTEleveQualitePersRelEleve1": ["TUTEUR"],
            "ENTElevePersRelEleve2": ["2000004"],
            "ENTEleveQualitePersRelEleve2": ["AUTRE"],
            "ENTEleveAutoriteParentale": ["2000003"],
        },
        {"2000003": ("1", "50"), "2000004": ("0", "90")},
    ),
    (
        "ENTEleveParents only",
        {"ENTEleveParents": ["2000001", "2000002"]},
        {"2000001": ("1", "90"), "2000002": ("1", "90")},
    ),
    ("ENTEleveAutoriteParentale only", {"ENTEleveAutoriteParentale": ["2000001"]}, {"2000001": ("1", "90")}),
    (
        "père wins the lien over the quality and ENTEleveParents",
        {
            "ENTElevePere": ["2000001"],
            "ENTElevePersRelEleve1": ["2000001"],
            "ENTEleveQualitePersRelEleve1": ["TUTEUR"],
            "ENTEleveParents": ["2000001"],
        },
        {"2000001": ("1", "20")},
    ),
    (
        "current attribute wins for the guardian it names",
        {
            "ENTElevePersRelEleve": ["2000001$10$0$0$1$0"],
            "ENTEleveMere": ["2000001"],
            "ENTEleveAutoriteParentale": ["2000001"],
        },
        {"2000001": ("0", "10")},
    ),
    (
        "older attributes add the guardians the current one does not name",
        {
            "ENTElevePersRelEleve": ["2000001$10$1$1$1$1"],
            "ENTElevePere": ["2000002"],
            "ENTEleveAutoriteParentale": ["2000001"],
        },
        {"2000001": ("1", "10"), "2000002": ("0", "20")},
    ),
    (
        "the VE1301 shape: empty current attribute, older ones filled",
        {
            "ENTElevePersRelEleve": [],
            "ENTEleveAutoriteParentale": ["2100003"],
            "ENTEleveParents": ["2100003"],
            "ENTElevePere": [],
            "ENTEleveMere": ["2100003"],
            "ENTElevePersRelEleve1": ["2100003"],
            "ENTEleveQualitePersRelEleve1": ["MERE"],
            "ENTElevePersRelEleve2": [],
            "ENTEleveQualitePersRelEleve2": [],
        },
        {"2100003": ("1", "10")},
    ),
]


@pytest.mark.parametrize("attrs, links", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_guardian_links(attrs, links):
    assert guardian_links(attrs) == links


def test_links_are_derived_for_students_only():
    older = {"ENTElevePere": ["2000001"], "sn": ["X"], "givenName": ["Y"]}
    assert account_source("Eleve", older).links == {"2000001": ("1", "20")}
    assert account_source("PersRelEleve", older).links is None
    assert account_source("PersEducNat", older).links is None
