"""``STS_EDT``: the staff of one establishment, its divisions and groups,
and who teaches what in each (services)."""

from __future__ import annotations

import os

from ..academie.model import Academie, Etab, Population
from ..academie.nomenclature import SHORT_CODES, SUBJECTS
from ..dates import day, french, iso_from_french
from ..xml_files import ISO_8859_15, element, escape, write_xml

# The function code of the AAF -> STS-web GRADE (one plausible grade each).
GRADES = {
    "ENS": "CERT. CN",
    "DOC": "CERT. DOC",
    "DIR": "PERDIR",
    "EDU": "CPE",
    "AED": "AED",
    "ADF": "ADJAENES",
    "MDS": "INFENES",
    "ORI": "PSYEN",
}


def sts_export(acad: Academie, pop: Population, on: str) -> str:
    """``STS_EDT``: staff of the establishment (teachers ``ENS``, other functions), divisions, groups, services."""
    etab, year = pop.etab, acad.school_year
    services = pop.teachers_by_service()
    used = sorted({subject for d in etab.divisions for subject in d.stream.subjects} | {g.subject for g in etab.groups})
    out = [
        f'<STS_EDT>\n  <PARAMETRES>\n    <UAJ CODE="{etab.uai}">\n      <ACADEMIE>\n'
        f"        {element('CODE', str(10 + sorted(('GRENOBLE', 'LYON', 'NANTES')).index(acad.name)))}\n"
        f"        {element('LIBELLE', acad.name)}\n      </ACADEMIE>\n      {element('SIGLE', etab.kind)}\n"
        f"      {element('DENOM_PRINC', etab.type_struct)}\n      {element('DENOM_COMPL', etab.name.split('-', 1)[1].rsplit('-ac-', 1)[0])}\n"
        f'    </UAJ>\n    <ANNEE_SCOLAIRE ANNEE="{year}">\n      {element("DATE_DEBUT", f"01/09/{year}")}\n'
        f"      {element('DATE_FIN', f'31/08/{year + 1}')}\n    </ANNEE_SCOLAIRE>\n"
        f"    {element('HORODATAGE', french(day(on)) + ' 06:45:00')}\n  </PARAMETRES>\n  <NOMENCLATURES>\n    <MATIERES>\n"
    ]
    for code in used:
        label = SUBJECTS[code][0]
        out.append(
            f'      <MATIERE CODE="{code}">\n        {element("CODE_GESTION", SHORT_CODES[code])}\n'
            f"        {element('LIBELLE_COURT', label)}\n        {element('LIBELLE_LONG', label)}\n      </MATIERE>\n"
        )
    out.append("    </MATIERES>\n    <MEFS>\n")
    for mef, label in dict.fromkeys((d.stream.mef, d.stream.mef_label) for d in etab.divisions):
        out.append(
            f'      <MEF CODE="{mef}">\n        {element("FORMATION", label)}\n'
            f"        {element('LIBELLE_LONG', label)}\n      </MEF>\n"
        )
    out.append("    </MEFS>\n  </NOMENCLATURES>\n  <DONNEES>\n    <INDIVIDUS>\n")
    for p in pop.staff:
        fn = p.functions[0]
        principal = [c for s_j, c in p.principal if s_j == etab.sj]
        out.append(
            f'      <INDIVIDU ID="{p.sts_id}" TYPE="epp">\n'
            f"        {element('SEXE', '2' if p.title == 'Mme' else '1')}\n"
            f"        {element('CIVILITE', 'MME' if p.title == 'Mme' else 'M.')}\n"
            f"        {element('NOM_USAGE', p.sn.upper())}\n        {element('NOM_PATRONYMIQUE', p.patro.upper())}\n"
            f"        {element('PRENOM', p.given)}\n        {element('DATE_NAISSANCE', iso_from_french(p.birth))}\n"
            f"        {element('GRADE', GRADES.get(fn[1], 'ADJAENES'))}\n        {element('FONCTION', fn[1])}\n"
            f'        <DISCIPLINES>\n          <DISCIPLINE CODE="{fn[3]}">\n'
            f"            {element('LIBELLE_COURT', fn[4])}\n          </DISCIPLINE>\n        </DISCIPLINES>\n"
            + (
                "        <PROFS_PRINC>\n"
                + "".join(
                    f"          <PROF_PRINC>\n            {element('CODE_STRUCTURE', c)}\n          </PROF_PRINC>\n"
                    for c in principal
                )
                + "        </PROFS_PRINC>\n"
                if principal
                else ""
            )
            + "      </INDIVIDU>\n"
        )
    out.append("    </INDIVIDUS>\n    <STRUCTURE>\n      <DIVISIONS>\n")

    def service_block(code: str, subjects) -> str:
        blocks = []
        for subject in subjects:
            teachers = services.get((code, subject), [])
            blocks.append(
                f'            <SERVICE CODE_MATIERE="{subject}" CODE_MOD_COURS="CG">\n'
                "              <ENSEIGNANTS>\n"
                + "".join(f'                <ENSEIGNANT ID="{t.sts_id}" TYPE="epp"/>\n' for t in teachers)
                + "              </ENSEIGNANTS>\n            </SERVICE>\n"
            )
        return "          <SERVICES>\n" + "".join(blocks) + "          </SERVICES>\n"

    for d in etab.divisions:
        out.append(
            f'        <DIVISION CODE="{escape(d.code)}">\n          {element("LIBELLE_LONG", d.label)}\n'
            f'          <MEFS_APPARTENANCE>\n            <MEF_APPARTENANCE CODE="{d.stream.mef}"/>\n'
            "          </MEFS_APPARTENANCE>\n" + service_block(d.code, d.stream.subjects) + "        </DIVISION>\n"
        )
    out.append("      </DIVISIONS>\n      <GROUPES>\n")
    for g in etab.groups:
        out.append(
            f'        <GROUPE CODE="{escape(g.code)}">\n          {element("LIBELLE_LONG", g.label)}\n'
            "          <DIVISIONS_APPARTENANCE>\n"
            + "".join(f'            <DIVISION_APPARTENANCE CODE="{escape(c)}"/>\n' for c in g.classes)
            + "          </DIVISIONS_APPARTENANCE>\n"
            + service_block(g.code, (g.subject,))
            + "        </GROUPE>\n"
        )
    out.append("      </GROUPES>\n    </STRUCTURE>\n  </DONNEES>\n</STS_EDT>\n")
    return "".join(out)


def sts_name(acad: Academie, etab: Etab) -> str:
    return f"sts_emp_{etab.uai}_{acad.school_year}.xml"


def write_sts(out: str, acad: Academie, pop: Population, on: str) -> str:
    rel = os.path.join("sts", on, sts_name(acad, pop.etab))
    write_xml(os.path.join(out, rel), sts_export(acad, pop, on), ISO_8859_15)
    return rel
