"""The national nomenclatures the académie uses: subjects, streams (MEF and
curriculum), speciality groups and the non-teaching functions (data)."""

from __future__ import annotations

from dataclasses import dataclass

from .names import words

# ENTMatJointure -> (ENTLibelleMatiere, STS discipline code, discipline label)
SUBJECTS = {
    "020700": ("FRANCAIS", "L0202", "LETTRES MODERNES"),
    "061300": ("MATHEMATIQUES", "L1300", "MATHEMATIQUES"),
    "040300": ("HISTOIRE-GEOGRAPHIE", "L1000", "HISTOIRE-GEOGRAPHIE"),
    "030201": ("ANGLAIS LV1", "L0422", "ANGLAIS"),
    "030602": ("ESPAGNOL LV2", "L0429", "ESPAGNOL"),
    "030102": ("ALLEMAND LV2", "L0421", "ALLEMAND"),
    "020100": ("LATIN", "L0201", "LETTRES CLASSIQUES"),
    "062900": ("SCIENCES VIE & TERRE", "L1600", "SCIENCES DE LA VIE ET DE LA TERRE"),
    "061800": ("PHYSIQUE-CHIMIE", "L1500", "PHYSIQUE CHIMIE"),
    "070200": ("TECHNOLOGIE", "L1400", "TECHNOLOGIE"),
    "100100": ("ED.PHYSIQUE & SPORT.", "L1900", "EDUCATION PHYSIQUE ET SPORTIVE"),
    "080100": ("ARTS PLASTIQUES", "L1800", "ARTS PLASTIQUES"),
    "080400": ("EDUCATION MUSICALE", "L1700", "EDUCATION MUSICALE"),
    "013100": ("PHILOSOPHIE", "L0100", "PHILOSOPHIE"),
    "076700": ("SC. ECONO.& SOCIALES", "L1100", "SCIENCES ECONOMIQUES ET SOCIALES"),
    "083600": ("ECONOMIE-GESTION", "L8011", "ECONOMIE ET GESTION"),
    "024700": ("FRANCAIS-HISTOIRE", "P0202", "LETTRES-HISTOIRE"),
    "062000": ("MATHS-SCIENCES", "P1300", "MATHS-SCIENCES"),
    "317300": ("VENTE ET COMMERCE", "P8039", "VENTE"),
    "322800": ("GESTION ADMINISTRATION", "P8011", "GESTION ADMINISTRATION"),
}
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
# speciality groups of the general lycée: (family, label, subject)
SPECIALITIES = (
    ("SMA", "SPE MATHEMATIQUES", "061300"),
    ("SPC", "SPE PHYSIQUE-CHIMIE", "061800"),
    ("SSVT", "SPE SVT", "062900"),
    ("SSES", "SPE SES", "076700"),
    ("SHG", "SPE HGGSP", "040300"),
)


@dataclass(frozen=True, slots=True)
class Stream:
    """A level/track: its class-code stem, MEF, age at the rentrée and curriculum."""

    stem: str
    mef: str
    mef_label: str
    age: int
    weight: float
    subjects: tuple[str, ...]
    lv2: bool = False
    latin: bool = False
    spe: int = 0


_CLG = words("020700 061300 040300 030201 062900 061800 070200 100100 080100 080400")
_PRO = words("024700 062000 030201 100100 080100")
STREAMS = {
    "CLG": (
        Stream("6EME", "10010012110", "6EME", 11, 1, _CLG),
        Stream("5EME", "10110001110", "5EME", 12, 1, _CLG, lv2=True, latin=True),
        Stream("4EME", "10210001110", "4EME", 13, 1, _CLG, lv2=True, latin=True),
        Stream("3EME", "10310019110", "3EME", 14, 1, _CLG, lv2=True, latin=True),
    ),
    "LGT": (
        Stream(
            "2GT",
            "20010018110",
            "2NDE GENERALE & TECHNO",
            15,
            36,
            words("020700 061300 040300 030201 061800 062900 100100 076700"),
            lv2=True,
        ),
        Stream("1G", "20111010110", "1ERE GENERALE", 16, 24, words("020700 040300 030201 100100"), spe=2),
        Stream("TG", "20211010110", "TERMINALE GENERALE", 17, 24, words("013100 040300 030201 100100"), spe=2),
        Stream("1STMG", "21131012110", "1ERE STMG", 16, 8, words("020700 040300 030201 061300 083600 100100")),
        Stream("TSTMG", "21231012110", "TERMINALE STMG", 17, 8, words("013100 040300 030201 061300 083600 100100")),
    ),
    "LP": (
        Stream("2MRC", "24731101310", "2NDPRO METIERS RELATION CLIENT", 15, 20, _PRO + ("317300",), lv2=True),
        Stream("1MRC", "24731101311", "1ERPRO METIERS RELATION CLIENT", 16, 17, _PRO + ("317300",)),
        Stream("TMRC", "24731101312", "TLEPRO METIERS RELATION CLIENT", 17, 15, _PRO + ("317300",)),
        Stream("2AGORA", "24732202310", "2NDPRO METIERS GESTION ADMINISTRATIVE", 15, 18, _PRO + ("322800",)),
        Stream("1AGORA", "24732202311", "1ERPRO ASSISTANCE GESTION ORGANISATIONS", 16, 16, _PRO + ("322800",)),
        Stream("TAGORA", "24732202312", "TLEPRO ASSISTANCE GESTION ORGANISATIONS", 17, 14, _PRO + ("322800",)),
    ),
}
# non-teaching functions: code -> (label, discipline code, discipline label, presence, categorie enseignant)
STAFF_FUNCTIONS = {
    "DIR": ("DIRECTION", "D0010", "DIRECTION", "N", "N"),
    "EDU": ("EDUCATION", "E0030", "CONSEILLER PRINCIPAL D'EDUCATION", "N", "N"),
    "DOC": ("DOCUMENTATION", "L0080", "DOCUMENTATION", "O", "O"),
    "AED": ("ASSISTANT D'EDUCATION", "E0090", "ASSISTANT D'EDUCATION", "O", "N"),
    "ADF": ("PERSONNELS ADMINISTRATIFS", "A0010", "ADMINISTRATION ET GESTION", "N", "N"),
    "MDS": ("MEDICO-SOCIAL", "M0020", "INFIRMIER", "N", "N"),
    "ORI": ("ORIENTATION", "O0010", "PSYCHOLOGUE DE L'EDUCATION NATIONALE", "N", "N"),
}

KIND_TYPE = {"CLG": "COLLEGE", "LGT": "LYCEE GENERAL ET TECHNOLOGIQUE", "LP": "LYCEE PROFESSIONNEL"}
