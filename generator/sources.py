"""The other sources of the same synthetic académie (formats §2, §3, §4).

For one establishment at one date, from the same :class:`Population` as the
AAF files (same persons, ids, classes, groups):

- SIECLE/BEE ``ElevesSansAdresses.xml`` (``BEE_ELEVES``) and
  ``ResponsablesAvecAdresses.xml`` (``BEE_RESPONSABLES``, 2018 form), ISO-8859-15;
- the STS-web export ``sts_emp_<UAI>_<year>.xml`` (``STS_EDT``), ISO-8859-15;
- the Index Education timetable export ``export_edt_<UAI>.xml``
  (``ExportEmploiDuTemps``, clear XML, UTF-8) in the shapes real exports
  have: ``@Semaines`` masks where week n is the value 2**n, over the school
  weeks but the Toussaint and Christmas holidays, each followed by the
  exporter's ``<!--Domaine : [...]-->`` decoding; courses holding only a
  subject; students listing a class part no class declares; with
  ``shape="legacy"`` the teachers of older exports (no IDSTS, no birth date,
  ``IdPN``); ``DateFin`` as asked (``--edt-ends-on``).

The variants that each trigger one outcome of the import pipelines are
edits of these files, in ``variants.py``.

Stdlib only, like the rest of the generator (an independent check of the
parsers).  Nothing here draws from the académie's shared random streams or
identifier spaces: the timetable has its own ``random.Random`` per
establishment, seeded from the seed and the establishment only, so that the
AAF output is unchanged and the two timetable exports of an establishment
differ only by the churn (same slots, same idents).
"""

from __future__ import annotations

import os
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from .academie.churn import Churn, arrival_date
from .academie.model import Academie, Etab, Population, Student
from .academie.nomenclature import SUBJECTS

SIECLE_ENCODING = ("ISO-8859-15", "iso8859_15")
EDT_NS = "http://www.index-education.com/exportemploidutemps"
# ENTMatJointure -> CODE_GESTION / timetable Matiere@Code (≤ 5 letters, unique)
SHORT_CODES = {
    "020700": "FRANC",
    "061300": "MATHS",
    "040300": "HIGEO",
    "030201": "AGL1",
    "030602": "ESP2",
    "030102": "ALL2",
    "020100": "LATIN",
    "062900": "SVT",
    "061800": "PH-CH",
    "070200": "TECHN",
    "100100": "EPS",
    "080100": "A-PLA",
    "080400": "EDMUS",
    "013100": "PHILO",
    "076700": "SES",
    "083600": "ECOGE",
    "024700": "FR-HI",
    "062000": "MA-SC",
    "317300": "VENTE",
    "322800": "GEADM",
}
# AAF ENTEleveRegime -> SIECLE CODE_REGIME (*approximate*: 0 externe, 2 demi-pensionnaire, 3 interne)
REGIME_CODES = {"DP DAN": "2", "EXTERNE LIBRE": "0", "INTERNE DANS L'ETABLISSEMENT": "3"}
STATUT_CODES = {"SCOLAIRE": "ST", "APPRENTI": "AP"}
# AAF respLegal -> SIECLE NIVEAU_RESPONSABILITE
LEVELS = {"1": "1", "2": "2", "0": "3"}
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
PLACES_PER_DAY = 8
PLACES = ("08:00", "09:00", "10:05", "11:05", "13:30", "14:30", "15:35", "16:35")

# --------------------------------------------------------------------------- helpers


def _esc(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _el(tag: str, value: str) -> str:
    return f"<{tag}>{_esc(value)}</{tag}>"


def _iso(ddmmyyyy: str) -> str:
    d, m, y = ddmmyyyy.split("/")
    return f"{y}-{m}-{d}"


def _fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _day(yyyymmdd: str) -> date:
    return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))


def _write(path: str, text: str, encoding: tuple[str, str]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding=encoding[1], errors="xmlcharrefreplace", newline="\n") as fh:
        fh.write(f'<?xml version="1.0" encoding="{encoding[0]}"?>\n')
        fh.write(text)


# --------------------------------------------------------------------------- SIECLE


def _parametres(acad: Academie, etab: Etab, on: str) -> str:
    d = _day(on)
    return (
        f"  <PARAMETRES>\n    {_el('UAJ', etab.uai)}\n    {_el('ANNEE_SCOLAIRE', str(acad.school_year))}\n"
        f"    {_el('DATE_EXPORT', _fr(d))}\n    {_el('HORODATAGE', _fr(d) + ' 06:30:00')}\n  </PARAMETRES>\n"
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
            f"        {_el('ID_NATIONAL', s.ine)}\n        {_el('NOM_DE_FAMILLE', s.patro)}\n"
            f"        {_el('NOM_USAGE', s.sn if s.sn != s.patro else '')}\n        {_el('PRENOM', s.given)}\n"
            f"        {_el('PRENOM2', given[0])}\n        {_el('PRENOM3', given[1])}\n"
            f"        {_el('DATE_NAISS', s.birth)}\n        {_el('CODE_SEXE', '2' if s.title == 'Mme' else '1')}\n"
            f"        {_el('CODE_PAYS', '100')}\n        {_el('DATE_ENTREE', _fr(entered))}\n"
            f"        {_el('DATE_SORTIE', _fr(left) if left else '31/12/9999')}\n"
            f"        {_el('CODE_MOTIF_SORTIE', 'DM' if left else '')}\n"
            f"        {_el('CODE_REGIME', REGIME_CODES.get(s.regime, '0'))}\n"
            f"        {_el('CODE_STATUT', STATUT_CODES.get(s.statut, 'ST'))}\n        {_el('CODE_MEF', s.stream.mef)}\n"
            "      </ELEVE>\n"
        )
        subjects = ["030201"] + [group_subject[g] for g in s.groups if g in group_subject]
        options.append(
            f'      <OPTION ELEVE_ID="{s.eleve_id}">\n'
            + "".join(
                f"        <OPTIONS_ELEVE>\n          {_el('NUM_OPTION', str(i))}\n"
                f"          {_el('CODE_MODALITE_ELECT', 'O' if i == 1 else 'F')}\n"
                f"          {_el('CODE_MATIERE', c)}\n        </OPTIONS_ELEVE>\n"
                for i, c in enumerate(subjects, 1)
            )
            + "      </OPTION>\n"
        )
        structures.append(
            f'      <STRUCTURES_ELEVE ELEVE_ID="{s.eleve_id}">\n'
            + "".join(
                f"        <STRUCTURE>\n          {_el('CODE_STRUCTURE', code)}\n"
                f"          {_el('TYPE_STRUCTURE', kind)}\n        </STRUCTURE>\n"
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
            f"        {_el('LC_CIVILITE', 'MME' if g.title == 'Mme' else 'M.')}\n"
            f"        {_el('NOM_DE_FAMILLE', g.patro)}\n        {_el('NOM_USAGE', g.sn if g.sn != g.patro else '')}\n"
            f"        {_el('PRENOM', g.given)}\n        {_el('TEL_PERSONNEL', g.home)}\n"
            f"        {_el('TEL_PORTABLE', g.mobile)}\n        {_el('TEL_PROFESSIONNEL', g.work)}\n"
            f"        {_el('MEL', g.mail)}\n        {_el('ADRESSE_ID', aid)}\n      </PERSONNE>\n"
        )
    links = []
    for s in [*pop.students, *(s for s, _ in leavers)]:
        for rel_id, lien, _fin, legal, contact, paiement in s.rels:
            if rel_id not in known:
                continue
            links.append(
                f"      <RESPONSABLE_ELEVE>\n        {_el('ELEVE_ID', s.eleve_id)}\n"
                f"        {_el('PERSONNE_ID', rel_id)}\n        {_el('NIVEAU_RESPONSABILITE', LEVELS[legal])}\n"
                f"        {_el('CODE_PARENTE', lien)}\n        {_el('PAIE_FRAIS_SCOLAIRES', paiement)}\n"
                f"        {_el('A_CONTACTER_EN_PRIORITE', 'true' if contact == '1' else 'false')}\n"
                "      </RESPONSABLE_ELEVE>\n"
            )
    adr = []
    for (lines, postal, city), aid in addresses.items():
        padded = (lines + ("", "", "", ""))[:4]
        adr.append(
            f'      <ADRESSE ADRESSE_ID="{aid}">\n'
            + "".join(f"        {_el(f'LIGNE{i}_ADRESSE', v)}\n" for i, v in enumerate(padded, 1))
            + f"        {_el('CODE_POSTAL', postal)}\n        {_el('LIBELLE_POSTAL', city)}\n"
            f"        {_el('CODE_PAYS', '100')}\n      </ADRESSE>\n"
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
    _write(os.path.join(out, paths["eleves"]), siecle_eleves(acad, pop, on, leavers, arrivals), SIECLE_ENCODING)
    _write(
        os.path.join(out, paths["responsables"]),
        siecle_responsables(acad, pop, on, leavers, extra_guardians),
        SIECLE_ENCODING,
    )
    return paths


# --------------------------------------------------------------------------- STS-web


def sts_export(acad: Academie, pop: Population, on: str) -> str:
    """``STS_EDT``: staff of the establishment (teachers ``ENS``, other functions), divisions, groups, services."""
    etab, year = pop.etab, acad.school_year
    services = pop.teachers_by_service()
    used = sorted({subject for d in etab.divisions for subject in d.stream.subjects} | {g.subject for g in etab.groups})
    out = [
        f'<STS_EDT>\n  <PARAMETRES>\n    <UAJ CODE="{etab.uai}">\n      <ACADEMIE>\n'
        f"        {_el('CODE', str(10 + sorted(('GRENOBLE', 'LYON', 'NANTES')).index(acad.name)))}\n"
        f"        {_el('LIBELLE', acad.name)}\n      </ACADEMIE>\n      {_el('SIGLE', etab.kind)}\n"
        f"      {_el('DENOM_PRINC', etab.type_struct)}\n      {_el('DENOM_COMPL', etab.name.split('-', 1)[1].rsplit('-ac-', 1)[0])}\n"
        f'    </UAJ>\n    <ANNEE_SCOLAIRE ANNEE="{year}">\n      {_el("DATE_DEBUT", f"01/09/{year}")}\n'
        f"      {_el('DATE_FIN', f'31/08/{year + 1}')}\n    </ANNEE_SCOLAIRE>\n"
        f"    {_el('HORODATAGE', _fr(_day(on)) + ' 06:45:00')}\n  </PARAMETRES>\n  <NOMENCLATURES>\n    <MATIERES>\n"
    ]
    for code in used:
        label = SUBJECTS[code][0]
        out.append(
            f'      <MATIERE CODE="{code}">\n        {_el("CODE_GESTION", SHORT_CODES[code])}\n'
            f"        {_el('LIBELLE_COURT', label)}\n        {_el('LIBELLE_LONG', label)}\n      </MATIERE>\n"
        )
    out.append("    </MATIERES>\n    <MEFS>\n")
    for mef, label in dict.fromkeys((d.stream.mef, d.stream.mef_label) for d in etab.divisions):
        out.append(
            f'      <MEF CODE="{mef}">\n        {_el("FORMATION", label)}\n'
            f"        {_el('LIBELLE_LONG', label)}\n      </MEF>\n"
        )
    out.append("    </MEFS>\n  </NOMENCLATURES>\n  <DONNEES>\n    <INDIVIDUS>\n")
    for p in pop.staff:
        fn = p.functions[0]
        principal = [c for s_j, c in p.principal if s_j == etab.sj]
        out.append(
            f'      <INDIVIDU ID="{p.sts_id}" TYPE="epp">\n'
            f"        {_el('SEXE', '2' if p.title == 'Mme' else '1')}\n"
            f"        {_el('CIVILITE', 'MME' if p.title == 'Mme' else 'M.')}\n"
            f"        {_el('NOM_USAGE', p.sn.upper())}\n        {_el('NOM_PATRONYMIQUE', p.patro.upper())}\n"
            f"        {_el('PRENOM', p.given)}\n        {_el('DATE_NAISSANCE', _iso(p.birth))}\n"
            f"        {_el('GRADE', GRADES.get(fn[1], 'ADJAENES'))}\n        {_el('FONCTION', fn[1])}\n"
            f'        <DISCIPLINES>\n          <DISCIPLINE CODE="{fn[3]}">\n'
            f"            {_el('LIBELLE_COURT', fn[4])}\n          </DISCIPLINE>\n        </DISCIPLINES>\n"
            + (
                "        <PROFS_PRINC>\n"
                + "".join(
                    f"          <PROF_PRINC>\n            {_el('CODE_STRUCTURE', c)}\n          </PROF_PRINC>\n"
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
            f'        <DIVISION CODE="{_esc(d.code)}">\n          {_el("LIBELLE_LONG", d.label)}\n'
            f'          <MEFS_APPARTENANCE>\n            <MEF_APPARTENANCE CODE="{d.stream.mef}"/>\n'
            "          </MEFS_APPARTENANCE>\n" + service_block(d.code, d.stream.subjects) + "        </DIVISION>\n"
        )
    out.append("      </DIVISIONS>\n      <GROUPES>\n")
    for g in etab.groups:
        out.append(
            f'        <GROUPE CODE="{_esc(g.code)}">\n          {_el("LIBELLE_LONG", g.label)}\n'
            "          <DIVISIONS_APPARTENANCE>\n"
            + "".join(f'            <DIVISION_APPARTENANCE CODE="{_esc(c)}"/>\n' for c in g.classes)
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
    _write(os.path.join(out, rel), sts_export(acad, pop, on), SIECLE_ENCODING)
    return rel


# --------------------------------------------------------------------------- timetable (model)


@dataclass
class Course:
    day: int
    place: int
    subject: str  # Matiere ident
    teachers: tuple[str, ...]  # Professeur idents
    classes: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    room: str = ""
    weeks: int = 0  # @Semaines: week n is the value 2**n (0: a subject-only course)
    service: tuple[str, str] = ("", "")  # (class/group code, subject code): for the variants


@dataclass
class Timetable:
    """One timetable export, as data (so that variants are edits of it)."""

    uai: str
    start: date
    end: date
    week1: date
    subjects: list[tuple[str, str, str]]  # ident, code, label
    teachers: list[tuple[str, str, str, str, str]]  # ident, nom, prénom, birth ISO, IDSTS
    rooms: list[tuple[str, str]]
    classes: list[tuple[str, str, tuple[str, ...]]]  # ident, name, parts
    groups: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]  # ident, name, classes, parts
    students: list[dict]
    courses: list[Course] = field(default_factory=list)
    shape: str = "current"  # EDT_SHAPES: how edt_xml writes it


# --------------------------------------------------------------------------- timetable (weeks)
#
# ``@Semaines`` masks as real Index Education exports write them (formats §4):
# week n is the VALUE 2**n, bit 0 unused (weeks 1..63), week n starting
# DatePremierJourSemaine1 + (n - 1) weeks; the exporter writes its decoding
# beside each mask, ``Semaines="2"`` -> ``<!--Domaine : [1]-->``.

LAST_WEEK = 63


def school_weeks(start: date, end: date) -> tuple[date, int]:
    """Monday of week 1 and the number of weeks up to ``end``."""
    week1 = start - timedelta(days=start.weekday())
    return week1, (end - week1).days // 7 + 1


def holiday_weeks(week1: date, school_year: int) -> set[int]:
    """The weeks of the Toussaint and Christmas holidays (two weeks each).

    A fixed rule, not the official calendar (the generator imports nothing
    from the project): Toussaint is the two weeks starting on the Monday on or
    after 19 October (the holidays start on the Saturday before; this agrees
    with events/data/toussaint.toml for 2024-2027), Christmas the two weeks
    holding 25 December and 1 January."""
    monday = date(school_year, 10, 19)
    monday += timedelta(days=-monday.weekday() % 7)
    days = (monday, monday + timedelta(weeks=1), date(school_year, 12, 25), date(school_year + 1, 1, 1))
    return {(d - week1).days // 7 + 1 for d in days}


def week_mask(weeks) -> int:
    """The ``@Semaines`` mask of these weeks (1..63): week n is the value 2**n."""
    mask = 0
    for n in weeks:
        if not 1 <= n <= LAST_WEEK:
            raise ValueError(f"week {n} is outside 1..{LAST_WEEK}")
        mask |= 1 << n
    return mask


def mask_weeks(mask: int) -> list[int]:
    """The weeks set in a ``@Semaines`` mask (bit 0 unused, ignored)."""
    return [n for n in range(1, LAST_WEEK + 1) if mask >> n & 1]


def week_domain(mask: int) -> str:
    """The exporter's decoding of a mask, as written in ``<!--Domaine : ...-->``:
    runs of consecutive weeks as ``a..b``, items separated by ``;``
    (``[1..7;10..16;19..44]``; the separator real files use is *uncertain*)."""
    runs: list[list[int]] = []
    for n in mask_weeks(mask):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return "[" + ";".join(str(a) if a == b else f"{a}..{b}" for a, b in runs) + "]"


# The teaching year ends around 4 July (domain-rules §7) whatever DateFin says:
# real exports end the school year on 31 August, their masks still stop in July.
LAST_TEACHING_DAY = (7, 4)
# --edt-shape: "current" exports carry IDSTS and birth dates for teachers;
# "legacy" (older Index exports, formats §4) only Ident, Nom, Prenom and IdPN.
EDT_SHAPES = {"current": "2026.0.1", "legacy": "2019.0.2.1"}  # shape -> root @Version
DEFAULT_ENDS_ON = "07-04"
# Real shapes, always on (valid and harmless, formats §4): about one course in
# SUBJECT_ONLY_EVERY is followed by a course holding only a subject; about one
# student in STRAY_PART_EVERY of a class without parts lists a part no class
# declares, "<class ident>P9".
SUBJECT_ONLY_EVERY = 7
STRAY_PART_EVERY = 10


def _ends_on(school_year: int, ends_on: str) -> date:
    month, day = map(int, ends_on.split("-"))
    return date(school_year + 1, month, day)


def year_masks(start: date, end: date, school_year: int) -> tuple[date, int, int, int]:
    """``DatePremierJourSemaine1`` and the full, odd and even masks of the year:
    the school weeks from ``start`` to the last teaching day (4 July, or
    ``end`` when earlier) but the Toussaint and Christmas holidays; the odd
    and even alternances (weeks A and B) are taken within those weeks, so
    that they go on after a holiday as in school calendars."""
    last = min(end, date(school_year + 1, *LAST_TEACHING_DAY))
    week1, n_weeks = school_weeks(start, last)
    off = holiday_weeks(week1, school_year)
    weeks = [n for n in range(1, min(n_weeks, LAST_WEEK) + 1) if n not in off]
    return week1, week_mask(weeks), week_mask(weeks[0::2]), week_mask(weeks[1::2])


def build_timetable(
    acad: Academie,
    pop: Population,
    churn: Churn | None = None,
    on: str = "",
    first: str = "",
    ends_on: str = DEFAULT_ENDS_ON,
    shape: str = "current",
) -> Timetable:
    """The timetable of an establishment; slots and idents depend on the seed and the structure only.
    ``ends_on`` (MM-DD) is the year's ``DateFin``; ``shape`` one of :data:`EDT_SHAPES`."""
    if shape not in EDT_SHAPES:
        raise ValueError(f"unknown timetable shape {shape!r}; choose among {', '.join(EDT_SHAPES)}")
    etab, year = pop.etab, acad.school_year
    start, end = date(year, 9, 1), _ends_on(year, ends_on)
    week1, full, odd, even = year_masks(start, end, year)
    rng = random.Random(f"{acad.seed}:timetable:{etab.index}")
    used = sorted({s for d in etab.divisions for s in d.stream.subjects} | {g.subject for g in etab.groups})
    subj = {code: f"M{i}" for i, code in enumerate(used, 1)}
    # Teachers: idents by position in the staff list, stable when a teacher is replaced.
    teaching = [(i, p) for i, p in enumerate(pop.staff) if p.functions[0][1] == "ENS"]
    tid = {p.jointure: f"P{i + 1}" for i, p in teaching}
    teachers = [(f"P{i + 1}", p.sn.upper(), p.given, _iso(p.birth), p.sts_id) for i, p in teaching]
    services = pop.teachers_by_service()
    rooms = [(f"S{i}", f"{100 + i}") for i in range(1, max(2, len(etab.divisions)) + 1)]
    cid = {d.code: f"C{i}" for i, d in enumerate(etab.divisions, 1)}
    with_parts = {d.code for i, d in enumerate(etab.divisions) if i % 3 == 0}  # one class in three has halves
    classes = [
        (cid[d.code], d.code, (f"{cid[d.code]}P1", f"{cid[d.code]}P2") if d.code in with_parts else ())
        for d in etab.divisions
    ]
    groups = []
    for i, g in enumerate(etab.groups, 1):
        # Some groups are made of class halves rather than whole classes.
        halves = i % 4 == 0 and any(c in with_parts for c in g.classes)
        groups.append(
            (
                f"G{i}",
                g.code,
                tuple(cid[c] for c in g.classes if not (halves and c in with_parts)),
                tuple(f"{cid[c]}P1" for c in g.classes if halves and c in with_parts),
            )
        )
    gid = {g.code: f"G{i}" for i, g in enumerate(etab.groups, 1)}
    # Students (present ones): class, class half, up to two legal guardians.
    by_guardian = {g.jointure: g for g in pop.guardians}
    moved = {j: old for j, old, _new in (churn.class_changes if churn else ())}
    arrivals = set(churn.arrived) if churn else set()
    students = []
    for s in pop.students:
        c = cid[s.division]
        entree = start
        if s.jointure in arrivals:
            entree = arrival_date(s.jointure, first, on, year)
        memberships = []
        if s.jointure in moved and moved[s.jointure] in cid:
            # The change happens after the rentrée, so the new class is the latest entry.
            change = max(start + timedelta(days=1), arrival_date(s.jointure, first, on, year))
            memberships = [(c, change, end), (cid[moved[s.jointure]], start, change - timedelta(days=1))]
        else:
            memberships = [(c, entree, end)]
        part = f"{c}P{1 + zlib.crc32(s.eleve_id.encode()) % 2}" if s.division in with_parts else None
        # A part no class declares (real exports): ignored by readers, parts never reach the ENT.
        stray = (
            f"{c}P9" if part is None and zlib.crc32(f"stray:{s.eleve_id}".encode()) % STRAY_PART_EVERY == 0 else None
        )
        resp = [
            (str(k), by_guardian[r[0]].sn.upper(), by_guardian[r[0]].given)
            for k, r in enumerate((r for r in s.rels if r[3] == "1" and r[0] in by_guardian), 1)
            if k <= 2
        ]
        students.append(
            {
                "ident": f"E{s.eleve_id}",
                "nom": s.sn.upper(),
                "prenom": s.given,
                "birth": _iso(s.birth),
                "sexe": "F" if s.title == "Mme" else "M",
                "ine": s.ine,
                "eleve_id": s.eleve_id,
                "classes": memberships,
                "part": part,
                "stray_part": stray,
                "resp": resp,
            }
        )
    # Courses: each service gets 2-4 weekly hours in free slots of its classes.
    busy: dict[str, set[tuple[int, int]]] = {d.code: set() for d in etab.divisions}
    slots = [(day, place) for day in range(1, 6) for place in range(PLACES_PER_DAY)]

    def slot_for(codes) -> tuple[int, int]:
        free = [x for x in slots if not any(x in busy[c] for c in codes)]
        x = rng.choice(free or slots)
        for c in codes:
            busy[c].add(x)
        return x

    def tids(code: str, subject: str) -> tuple[str, ...]:
        return tuple(tid[p.jointure] for p in services.get((code, subject), ()))

    courses = []
    for d in etab.divisions:
        for k, subject in enumerate(d.stream.subjects):
            hours = 2 + int(subject) % 3
            for h in range(hours):
                day, place = slot_for((d.code,))
                room = rng.choice(rooms)[0]
                t = tids(d.code, subject)
                if k == 0 and h == 0 and d.code in with_parts:  # a split hour: halves on alternate weeks
                    c = cid[d.code]
                    courses.append(
                        Course(
                            day,
                            place,
                            subj[subject],
                            t,
                            parts=(f"{c}P1",),
                            room=room,
                            weeks=odd,
                            service=(d.code, subject),
                        )
                    )
                    courses.append(
                        Course(
                            day,
                            place,
                            subj[subject],
                            t,
                            parts=(f"{c}P2",),
                            room=room,
                            weeks=even,
                            service=(d.code, subject),
                        )
                    )
                else:
                    courses.append(
                        Course(
                            day,
                            place,
                            subj[subject],
                            t,
                            classes=(cid[d.code],),
                            room=room,
                            weeks=full,
                            service=(d.code, subject),
                        )
                    )
    for g in etab.groups:
        for _ in range(2 + int(g.subject) % 2):
            day, place = slot_for(g.classes)
            courses.append(
                Course(
                    day,
                    place,
                    subj[g.subject],
                    tids(g.code, g.subject),
                    groups=(gid[g.code],),
                    room=rng.choice(rooms)[0],
                    weeks=full,
                    service=(g.code, g.subject),
                )
            )
    # Courses holding only a subject (no teacher, class, group, room or
    # @Semaines), as real exports have: added after about one course in
    # SUBJECT_ONLY_EVERY, never in place of one. Drawn after every other
    # course, so that those keep their slots.
    with_subject_only = []
    for c in courses:
        with_subject_only.append(c)
        if rng.randrange(SUBJECT_ONLY_EVERY) == 0:
            day, place = rng.choice(slots)
            with_subject_only.append(Course(day, place, subj[rng.choice(used)], ()))
    return Timetable(
        etab.uai,
        start,
        end,
        week1,
        [(subj[c], SHORT_CODES[c], SUBJECTS[c][0]) for c in used],
        teachers,
        rooms,
        classes,
        groups,
        students,
        with_subject_only,
        shape,
    )


def subject_only(c: Course) -> bool:
    """A course holding only a subject: valid, nothing to apply (formats §4)."""
    return not (c.teachers or c.classes or c.parts or c.groups)


def _pronote_id(ident: str) -> str:
    """A teacher's Pronote id (``IdPN``) in a legacy export: stable per ident (the form is *uncertain*)."""
    return f"EDT${ident}"


def edt_xml(t: Timetable, shape: str | None = None) -> str:
    """Serialise a :class:`Timetable` as the clear ``ExportEmploiDuTemps`` XML,
    in ``shape`` (default: the timetable's own, :data:`EDT_SHAPES`). Every
    element carrying ``@Semaines`` is followed, on its line, by the exporter's
    decoding ``<!--Domaine : [...]-->``."""
    shape = shape or t.shape
    if shape not in EDT_SHAPES:
        raise ValueError(f"unknown timetable shape {shape!r}; choose among {', '.join(EDT_SHAPES)}")
    a = lambda v: _esc(v)  # noqa: E731
    out = [
        f'<ExportEmploiDuTemps xmlns="{EDT_NS}" Version="{EDT_SHAPES[shape]}" UAI="{t.uai}">\n'
        f'  <AnneeScolaire DateDebut="{t.start.isoformat()}" DateFin="{t.end.isoformat()}" '
        f'DatePremierJourSemaine1="{t.week1.isoformat()}"/>\n'
        f'  <GrilleHoraire NombrePlacesParJour="{PLACES_PER_DAY}" DureePlace="55">\n    <PlacesParJour>\n'
    ]
    for i, h in enumerate(PLACES):
        hh, mm = map(int, h.split(":"))
        fin = f"{(hh * 60 + mm + 55) // 60:02d}:{(mm + 55) % 60:02d}"
        out.append(f'      <Place Numero="{i}" LibelleHeureDebut="{h}" LibelleHeureFin="{fin}"/>\n')
    out.append("    </PlacesParJour>\n  </GrilleHoraire>\n  <Matieres>\n")
    out += [f'    <Matiere Ident="{i}" Code="{a(c)}" Libelle="{a(lbl)}"/>\n' for i, c, lbl in t.subjects]
    out.append("  </Matieres>\n  <Professeurs>\n")
    if shape == "legacy":  # older exports: no IDSTS, no birth date, the Pronote id spelt IdPN (formats §4)
        out += [
            f'    <Professeur Ident="{i}" Nom="{a(n)}" Prenom="{a(p)}" IdPN="{a(_pronote_id(i))}"/>\n'
            for i, n, p, _b, _s in t.teachers
        ]
    else:
        out += [
            f'    <Professeur Ident="{i}" Nom="{a(n)}" Prenom="{a(p)}" DateNaissance="{b}" IDSTS="{s}"/>\n'
            for i, n, p, b, s in t.teachers
        ]
    out.append("  </Professeurs>\n  <Salles>\n")
    out += [f'    <Salle Ident="{i}" Nom="{n}"/>\n' for i, n in t.rooms]
    out.append("  </Salles>\n  <Classes>\n")
    for i, n, parts in t.classes:
        if parts:
            out.append(
                f'    <Classe Ident="{i}" Nom="{a(n)}">\n'
                + "".join(f'      <PartieDeClasse Ident="{p}"/>\n' for p in parts)
                + "    </Classe>\n"
            )
        else:
            out.append(f'    <Classe Ident="{i}" Nom="{a(n)}"/>\n')
    out.append("  </Classes>\n  <Groupes>\n")
    for i, n, cls, parts in t.groups:
        out.append(
            f'    <Groupe Ident="{i}" Nom="{a(n)}">\n'
            + "".join(f'      <Classe Ident="{c}"/>\n' for c in cls)
            + "".join(f'      <PartieDeClasse Ident="{p}"/>\n' for p in parts)
            + "    </Groupe>\n"
        )
    out.append("  </Groupes>\n  <Eleves>\n")
    for s in t.students:
        out.append(
            f'    <Eleve Ident="{s["ident"]}" Nom="{a(s["nom"])}" Prenom="{a(s["prenom"])}" '
            f'DateNaissance="{s["birth"]}" Sexe="{s["sexe"]}" NumeroNational="{s["ine"]}" '
            f'IDSconet="{s["eleve_id"]}">\n'
        )
        out += [
            f'      <Classe Ident="{c}" DateEntree="{e.isoformat()}" DateSortie="{x.isoformat()}"/>\n'
            for c, e, x in s["classes"]
        ]
        for part in (s["part"], s.get("stray_part")):
            if part:
                c, e, x = s["classes"][0]
                out.append(
                    f'      <PartieDeClasse Ident="{part}" DateEntree="{e.isoformat()}" '
                    f'DateSortie="{x.isoformat()}"/>\n'
                )
        out += [f'      <Responsable RespLegal="{k}" Nom="{a(n)}" Prenom="{a(p)}"/>\n' for k, n, p in s["resp"]]
        out.append("    </Eleve>\n")
    out.append("  </Eleves>\n  <Cours>\n")
    for c in t.courses:
        out.append(f'    <Cours Jour="{c.day}" NumeroPlaceDebut="{c.place}" NombrePlaces="1">\n')
        if subject_only(c):  # a course holding only a subject carries no @Semaines (formats §4)
            out.append(f'      <Matiere Ident="{c.subject}"/>\n    </Cours>\n')
            continue
        dom = f"<!--Domaine : {week_domain(c.weeks)}-->"

        def child(tag: str, ident: str, c=c, dom=dom) -> str:
            return f'      <{tag} Ident="{ident}" Semaines="{c.weeks}"/>{dom}\n'

        out.append(
            child("Matiere", c.subject)
            + "".join(child("Professeur", p) for p in c.teachers)
            + "".join(child("Classe", x) for x in c.classes)
            + "".join(child("PartieDeClasse", x) for x in c.parts)
            + "".join(child("Groupe", x) for x in c.groups)
            + (child("Salle", c.room) if c.room else "")
            + "    </Cours>\n"
        )
    out.append("  </Cours>\n</ExportEmploiDuTemps>\n")
    return "".join(out)


def edt_name(uai: str) -> str:
    return f"export_edt_{uai}.xml"


def write_timetable(out: str, t: Timetable, on: str) -> str:
    rel = os.path.join("timetable", on, edt_name(t.uai))
    _write(os.path.join(out, rel), edt_xml(t), ("UTF-8", "utf-8"))
    return rel
