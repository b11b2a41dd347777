"""``BEE_ELEVES`` and ``BEE_RESPONSABLES`` of one establishment at one date.

The leavers of the churn are written with their past ``DATE_SORTIE`` and the
arrivals with their ``DATE_ENTREE``, as SIECLE keeps them for the year.
"""

from __future__ import annotations

import os
from datetime import date

from ..academie.model import Academie, Etab, Population, Student
from ..dates import day, french
from ..xml_files import ISO_8859_15, element, write_xml

# AAF ENTEleveRegime -> SIECLE CODE_REGIME (*approximate*: 0 externe, 2 demi-pensionnaire, 3 interne)
REGIME_CODES = {"DP DAN": "2", "EXTERNE LIBRE": "0", "INTERNE DANS L'ETABLISSEMENT": "3"}
STATUT_CODES = {"SCOLAIRE": "ST", "APPRENTI": "AP"}
# AAF respLegal -> SIECLE NIVEAU_RESPONSABILITE
LEVELS = {"1": "1", "2": "2", "0": "3"}


def _parametres(acad: Academie, etab: Etab, on: str) -> str:
    d = day(on)
    return (
        f"  <PARAMETRES>\n    {element('UAJ', etab.uai)}\n    {element('ANNEE_SCOLAIRE', str(acad.school_year))}\n"
        f"    {element('DATE_EXPORT', french(d))}\n    {element('HORODATAGE', french(d) + ' 06:30:00')}\n  </PARAMETRES>\n"
    )


def siecle_eleves(
    acad: Academie,
    pop: Population,
    on: str,
    leavers: list[tuple[Student, date]] = (),
    arrivals: dict[str, date] | None = None,
) -> str:
    """``BEE_ELEVES``: the present students, then the leavers with their past ``DATE_SORTIE``."""
    arrivals = arrivals or {}
    group_subject = {g.code: g.subject for g in pop.etab.groups}
    rows = [(s, None) for s in pop.students] + list(leavers)
    eleves, options, structures = [], [], []
    for s, left in rows:
        entered = arrivals.get(s.jointure, date(acad.school_year, 9, 1))
        given = (s.other_given + ("", ""))[:2]
        eleves.append(
            f'      <ELEVE ELEVE_ID="{s.eleve_id}">\n'
            f"        {element('ID_NATIONAL', s.ine)}\n        {element('NOM_DE_FAMILLE', s.patro)}\n"
            f"        {element('NOM_USAGE', s.sn if s.sn != s.patro else '')}\n        {element('PRENOM', s.given)}\n"
            f"        {element('PRENOM2', given[0])}\n        {element('PRENOM3', given[1])}\n"
            f"        {element('DATE_NAISS', s.birth)}\n        {element('CODE_SEXE', '2' if s.title == 'Mme' else '1')}\n"
            f"        {element('CODE_PAYS', '100')}\n        {element('DATE_ENTREE', french(entered))}\n"
            f"        {element('DATE_SORTIE', french(left) if left else '31/12/9999')}\n"
            f"        {element('CODE_MOTIF_SORTIE', 'DM' if left else '')}\n"
            f"        {element('CODE_REGIME', REGIME_CODES.get(s.regime, '0'))}\n"
            f"        {element('CODE_STATUT', STATUT_CODES.get(s.statut, 'ST'))}\n        {element('CODE_MEF', s.stream.mef)}\n"
            "      </ELEVE>\n"
        )
        subjects = ["030201"] + [group_subject[g] for g in s.groups if g in group_subject]
        options.append(
            f'      <OPTION ELEVE_ID="{s.eleve_id}">\n'
            + "".join(
                f"        <OPTIONS_ELEVE>\n          {element('NUM_OPTION', str(i))}\n"
                f"          {element('CODE_MODALITE_ELECT', 'O' if i == 1 else 'F')}\n"
                f"          {element('CODE_MATIERE', c)}\n        </OPTIONS_ELEVE>\n"
                for i, c in enumerate(subjects, 1)
            )
            + "      </OPTION>\n"
        )
        structures.append(
            f'      <STRUCTURES_ELEVE ELEVE_ID="{s.eleve_id}">\n'
            + "".join(
                f"        <STRUCTURE>\n          {element('CODE_STRUCTURE', code)}\n"
                f"          {element('TYPE_STRUCTURE', kind)}\n        </STRUCTURE>\n"
                for code, kind in [(s.division, "D")] + [(g, "G") for g in s.groups]
            )
            + "      </STRUCTURES_ELEVE>\n"
        )
    return (
        '<BEE_ELEVES VERSION="3.1">\n'
        + _parametres(acad, pop.etab, on)
        + "  <DONNEES>\n    <ELEVES>\n"
        + "".join(eleves)
        + "    </ELEVES>\n    <OPTIONS>\n"
        + "".join(options)
        + "    </OPTIONS>\n    <STRUCTURES>\n"
        + "".join(structures)
        + "    </STRUCTURES>\n  </DONNEES>\n</BEE_ELEVES>\n"
    )


def siecle_responsables(
    acad: Academie, pop: Population, on: str, leavers: list[tuple[Student, date]] = (), extra_guardians=()
) -> str:
    """``BEE_RESPONSABLES`` (2018 form): persons (``PERSONNE_ID`` = AAF jointure), links, addresses."""
    guardians = list(pop.guardians) + list(extra_guardians)
    known = {g.jointure for g in guardians}
    addresses: dict[tuple, str] = {}  # one ADRESSE per distinct address, id = first user's jointure
    persons = []
    for g in guardians:
        key = (g.address, g.postal, g.city)
        aid = addresses.setdefault(key, g.jointure)
        persons.append(
            f'      <PERSONNE PERSONNE_ID="{g.jointure}">\n'
            f"        {element('LC_CIVILITE', 'MME' if g.title == 'Mme' else 'M.')}\n"
            f"        {element('NOM_DE_FAMILLE', g.patro)}\n        {element('NOM_USAGE', g.sn if g.sn != g.patro else '')}\n"
            f"        {element('PRENOM', g.given)}\n        {element('TEL_PERSONNEL', g.home)}\n"
            f"        {element('TEL_PORTABLE', g.mobile)}\n        {element('TEL_PROFESSIONNEL', g.work)}\n"
            f"        {element('MEL', g.mail)}\n        {element('ADRESSE_ID', aid)}\n      </PERSONNE>\n"
        )
    links = []
    for s in [*pop.students, *(s for s, _ in leavers)]:
        for rel_id, lien, _fin, legal, contact, paiement in s.rels:
            if rel_id not in known:
                continue
            links.append(
                f"      <RESPONSABLE_ELEVE>\n        {element('ELEVE_ID', s.eleve_id)}\n"
                f"        {element('PERSONNE_ID', rel_id)}\n        {element('NIVEAU_RESPONSABILITE', LEVELS[legal])}\n"
                f"        {element('CODE_PARENTE', lien)}\n        {element('PAIE_FRAIS_SCOLAIRES', paiement)}\n"
                f"        {element('A_CONTACTER_EN_PRIORITE', 'true' if contact == '1' else 'false')}\n"
                "      </RESPONSABLE_ELEVE>\n"
            )
    adr = []
    for (lines, postal, city), aid in addresses.items():
        padded = (lines + ("", "", "", ""))[:4]
        adr.append(
            f'      <ADRESSE ADRESSE_ID="{aid}">\n'
            + "".join(f"        {element(f'LIGNE{i}_ADRESSE', v)}\n" for i, v in enumerate(padded, 1))
            + f"        {element('CODE_POSTAL', postal)}\n        {element('LIBELLE_POSTAL', city)}\n"
            f"        {element('CODE_PAYS', '100')}\n      </ADRESSE>\n"
        )
    return (
        '<BEE_RESPONSABLES VERSION="3.1">\n'
        + _parametres(acad, pop.etab, on)
        + "  <DONNEES>\n    <PERSONNES>\n"
        + "".join(persons)
        + "    </PERSONNES>\n    <RESPONSABLES>\n"
        + "".join(links)
        + "    </RESPONSABLES>\n    <ADRESSES>\n"
        + "".join(adr)
        + "    </ADRESSES>\n  </DONNEES>\n"
        "</BEE_RESPONSABLES>\n"
    )


def write_siecle(
    out: str, acad: Academie, pop: Population, on: str, leavers=(), arrivals=None, extra_guardians=()
) -> dict:
    """Write both SIECLE files of one establishment; return their paths relative to ``out``."""
    rel = os.path.join("siecle", on, pop.etab.uai)
    paths = {
        "eleves": os.path.join(rel, "ElevesSansAdresses.xml"),
        "responsables": os.path.join(rel, "ResponsablesAvecAdresses.xml"),
    }
    write_xml(os.path.join(out, paths["eleves"]), siecle_eleves(acad, pop, on, leavers, arrivals), ISO_8859_15)
    write_xml(
        os.path.join(out, paths["responsables"]),
        siecle_responsables(acad, pop, on, leavers, extra_guardians),
        ISO_8859_15,
    )
    return paths
