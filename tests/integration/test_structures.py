"""Structures as the AAF says: renamed, closed when a complete académie-wide
delivery no longer carries them (their people depart with them)."""

from __future__ import annotations

import shutil

import pytest
from lxml import etree

from daemon import bootstrap
from events.policy import Policy
from events.usecases.aaf_ingest import ingest
from events.usecases.tick import tick
from projections import account_queries, structure_queries
from projections.schema import dump
from tests.integration.conftest import T0, T1, T_CREATE, make_academie, rebuilt


@pytest.fixture(scope="module")
def academie(tmp_path_factory):
    """Generated once for both backends (the test only reads it)."""
    return make_academie(tmp_path_factory.mktemp("structures"), "--students", "1300", "--seed", "21", "--no-second")


def test_structure_renamed_and_closed(store_url, academie, tmp_path):
    assert len(academie.manifest["establishments"]) >= 2
    closed, renamed = academie.manifest["establishments"][:2]
    later = tmp_path / "later"
    shutil.copytree(academie.first, later)
    for part in later.iterdir():
        part.rename(later / part.name.replace("20260818", "20261105"))
    etab = next(later.glob("*_EtabEducNat_0000.xml"))
    tree = etree.parse(str(etab))
    for request in tree.getroot().findall("addRequest"):
        jointure = request.findtext("identifier/id")
        if jointure == closed["sj"]:
            request.getparent().remove(request)
        elif jointure == renamed["sj"]:
            request.find("attributes/attr[@name='ENTStructureNomCourant']/value").text = "CLG-NOUVEAU NOM-ac-GRENOBLE"
    tree.write(str(etab), xml_declaration=True, encoding="ISO-8859-1")

    ctx = bootstrap.build(store_url, Policy(mass_departure_min=1_000_000))
    assert ingest(str(academie.first), ctx, T0).status == "applied"
    tick(ctx, T_CREATE)
    result = ingest(str(later), ctx, T1)
    assert result.status == "applied", result.message
    rows = {s["uai"]: s for s in structure_queries.structures(ctx.db)}
    assert rows[closed["uai"]]["present"] == 0
    assert rows[renamed["uai"]]["name"] == "CLG-NOUVEAU NOM-ac-GRENOBLE" and rows[renamed["uai"]]["present"] == 1
    # Its people are still carried by the delivery: they stay, only the structure closes.
    students = account_queries.accounts(ctx.db, uai=closed["uai"], profile="ELEVE")
    assert students and all(s["state"] == "active" for s in students)
    assert dump(ctx.db) == rebuilt(ctx)
    ctx.close()
