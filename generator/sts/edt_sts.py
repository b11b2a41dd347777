"""The timetable-to-STS file (root ``EDT_STS``) that users upload instead
of the STS-web export by mistake: the ``edt-sts`` variant."""

from __future__ import annotations

from ..academie.model import Academie, Population
from ..xml_files import element, escape


def edt_sts_xml(acad: Academie, pop: Population) -> str:
    """The timetable-to-STS file (root ``EDT_STS``) that users upload by mistake."""
    services = pop.teachers_by_service()
    divs = []
    for d in pop.etab.divisions:
        divs.append(
            f'        <DIVISION CODE="{escape(d.code)}">\n          <SERVICES>\n'
            + "".join(
                f'            <SERVICE CODE_MATIERE="{s}" CODE_MOD_COURS="CG">\n              <ENSEIGNANTS>\n'
                + "".join(
                    f'                <ENSEIGNANT ID="{p.sts_id}" TYPE="epp"/>\n' for p in services.get((d.code, s), ())
                )
                + "              </ENSEIGNANTS>\n            </SERVICE>\n"
                for s in d.stream.subjects
            )
            + "          </SERVICES>\n        </DIVISION>\n"
        )
    return (
        f"<EDT_STS>\n  <PARAMETRES>\n    {element('UAJ', pop.etab.uai)}\n"
        f"    {element('ANNEE_SCOLAIRE', str(acad.school_year))}\n    {element('LOGICIEL', 'EDT')}\n  </PARAMETRES>\n"
        "  <DONNEES>\n    <STRUCTURE>\n      <DIVISIONS>\n"
        + "".join(divs)
        + "      </DIVISIONS>\n    </STRUCTURE>\n  </DONNEES>\n</EDT_STS>\n"
    )
