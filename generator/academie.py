"""Seeded, pure model of a synthetic académie (no XML here, no I/O).

Everything is derived from ``(seed, n_students, school_year)`` through
``random.Random`` instances seeded with strings (SHA-512 based, hence stable
across runs and independent of ``PYTHONHASHSEED``).  Nothing is global.

Memory stays bounded: :func:`plan_academie` keeps only one small object per
establishment; the people of an establishment are produced by
:func:`populate` when that establishment is written, and forgotten after.
People never cross establishments (siblings share guardians inside one
establishment) except the teachers who also serve the next establishment,
whose classes are known from the plan.

The first delivery depends only on the seed, the size and the school year:
churn arrivals draw their ids from the other end of each identifier space
(:class:`IdSpace`) and their identities from a disjoint hash class
(:meth:`Ids.claim_identity`), with their own random streams.
"""

from __future__ import annotations

import math
import random
import unicodedata
import zlib
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

# --------------------------------------------------------------------------- nomenclature data
# Kept here (not in a data file) so that the generator stays a handful of
# stdlib-only modules.  Names carry accents, apostrophes, hyphens, spaces and
# the Latin-9-only letter "œ" on purpose: they exercise the parsers' encodings.


def _w(text: str) -> tuple[str, ...]:
    """Split on whitespace; "_" stands for a space inside one name."""
    return tuple(w.replace("_", " ") for w in text.split())


LAST_NAMES = _w("""Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent
    Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert
    Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas
    Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard
    Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Pérez Marchand
    Dufour Blanchard Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez Renard Arnaud Rolland Caron
    Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Lacroix Fabre Dupuis Rivière
    Da_Silva Dos_Santos Le_Gall Le_Goff De_La_Fontaine Ben_Saïd D'Arco N'Diaye D'Almeida L'Hôte Cœur
    Lœuillet Bœuf Rœderer Descœudres Müller Nuñez Tran Pham El_Amrani Saint-Jean""")
CHILD_F = _w("""Léa Emma Chloé Manon Camille Inès Sarah Jade Louise Zoé Lola Anaïs Maëlle Noémie Héloïse
    Clémence Océane Élise Juliette Lucie Ambre Romane Margaux Éva Alice Rose Anna Mila Léna Lina Nour
    Yasmine Aïcha Marie-Ève Anne-Sophie Capucine Agathe Gaëlle Solène Maïwenn""")
CHILD_M = _w("""Lucas Hugo Louis Gabriel Arthur Jules Raphaël Adam Nathan Ethan Théo Léo Tom Noah Enzo
    Mathis Maël Sacha Timéo Baptiste Clément Maxime Alexandre Antoine Jean-Baptiste Pierre-Louis Loïc
    Grégoire Benoît Noé Mehdi Yanis Rayan Kylian Aurélien Mathéo Joël""")
ADULT_F = _w("""Nathalie Isabelle Sylvie Céline Sandrine Valérie Stéphanie Aurélie Caroline Virginie Émilie
    Sophie Hélène Cécile Laetitia Karine Christelle Agnès Françoise Delphine Béatrice Marie-Hélène
    Anne-Laure Yvette Suzanne Fatima Samia""")
ADULT_M = _w("""Nicolas Stéphane Christophe Sébastien Frédéric Laurent Olivier David Julien Éric Philippe
    Thierry Jérôme Cédric Franck Pascal Vincent Guillaume Jean-Marc Jean-François Hervé Gérard Guy Tino
    René Karim Mohamed""")
STREETS = (
    "RUE DES LILAS",
    "AVENUE JEAN JAURÈS",
    "CHEMIN DU MOULIN",
    "PLACE DE L'ÉGLISE",
    "BOULEVARD DES BELGES",
    "IMPASSE DES ŒILLETS",
    "RUE VICTOR HUGO",
    "ALLÉE DES PINS",
    "ROUTE DE LA GARE",
    "RUE DU 8 MAI 1945",
    "QUAI SAINT-ANTOINE",
    "RUE PASTEUR",
)
ETAB_NAMES = (
    "VAL D'ARGENT",
    "JEAN MOULIN",
    "JULES FERRY",
    "VICTOR HUGO",
    "LOUISE MICHEL",
    "MARIE CURIE",
    "SIMONE VEIL",
    "JEAN JAURES",
    "ALBERT CAMUS",
    "LES EYQUEMS",
    "SAINT-EXUPERY",
    "EMILE ZOLA",
    "JACQUES PREVERT",
    "PABLO PICASSO",
    "GEORGE SAND",
    "LA CHÂTAIGNERAIE",
    "LES ŒILLETS",
    "CONDORCET",
    "LAMARTINE",
    "RENE CASSIN",
    "JEAN MACÉ",
    "LES TILLEULS",
    "AMPÈRE",
    "LUMIÈRE",
)
ETAB_NAMES_PR = ("SAINT-JOSEPH", "NOTRE-DAME", "SAINTE-MARIE", "LA SALLE", "SAINT-LOUIS", "JEANNE D'ARC")
# académie -> département -> communes (name, postal code)
ACADEMIES = {
    "LYON": {
        "001": (("BOURG-EN-BRESSE", "01000"), ("OYONNAX", "01100"), ("AMBÉRIEU-EN-BUGEY", "01500")),
        "042": (("SAINT-ÉTIENNE", "42000"), ("ROANNE", "42300"), ("MONTBRISON", "42600")),
        "069": (
            ("LYON", "69003"),
            ("VILLEURBANNE", "69100"),
            ("VÉNISSIEUX", "69200"),
            ("VILLEFRANCHE-SUR-SAÔNE", "69400"),
        ),
    },
    "GRENOBLE": {
        "038": (("GRENOBLE", "38000"), ("ÉCHIROLLES", "38130"), ("VOIRON", "38500")),
        "073": (("CHAMBÉRY", "73000"), ("AIX-LES-BAINS", "73100")),
        "074": (("ANNECY", "74000"), ("THONON-LES-BAINS", "74200")),
        "026": (("VALENCE", "26000"), ("MONTÉLIMAR", "26200")),
    },
    "NANTES": {
        "044": (("NANTES", "44000"), ("SAINT-NAZAIRE", "44600"), ("REZÉ", "44400")),
        "049": (("ANGERS", "49000"), ("CHOLET", "49300")),
        "072": (("LE MANS", "72000"),),
        "085": (("LA ROCHE-SUR-YON", "85000"),),
        "053": (("LAVAL", "53000"),),
    },
}
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


_CLG = _w("020700 061300 040300 030201 062900 061800 070200 100100 080100 080400")
_PRO = _w("024700 062000 030201 100100 080100")
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
            _w("020700 061300 040300 030201 061800 062900 100100 076700"),
            lv2=True,
        ),
        Stream("1G", "20111010110", "1ERE GENERALE", 16, 24, _w("020700 040300 030201 100100"), spe=2),
        Stream("TG", "20211010110", "TERMINALE GENERALE", 17, 24, _w("013100 040300 030201 100100"), spe=2),
        Stream("1STMG", "21131012110", "1ERE STMG", 16, 8, _w("020700 040300 030201 061300 083600 100100")),
        Stream("TSTMG", "21231012110", "TERMINALE STMG", 17, 8, _w("013100 040300 030201 061300 083600 100100")),
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

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
KIND_TYPE = {"CLG": "COLLEGE", "LGT": "LYCEE GENERAL ET TECHNOLOGIQUE", "LP": "LYCEE PROFESSIONNEL"}
STUDENTS_PER_ETAB = 600
STUDENTS_PER_TEACHER = 12
STUDENTS_PER_STAFF = 40
CLASS_SIZE = 28


def uai_check_letter(first7: str) -> str:
    """Check letter of a UAI from its 7 leading digits (domain rules §2)."""
    return CHECK_LETTERS[int(first7) % 23]


def strip_accents(text: str) -> str:
    """Drop combining accents (``œ`` has none and is kept): a plausible retyping."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def identity_key(name: str) -> str:
    """Aggressive normalisation (no accent, case, space or punctuation): "Cœur" == "COEUR"."""
    return "".join(c for c in strip_accents(name).casefold().replace("œ", "oe").replace("æ", "ae") if c.isalnum())


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """ASCII, lower-case, e-mail-safe form of a name."""
    text = strip_accents(text).lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in text if c.isalnum() or c == "-")


class IdSpace:
    """Unique, random-looking numbers: an affine bijection ``n -> low + (a*n+b) % size``."""

    def __init__(self, rng: random.Random, low: int, size: int):
        a = rng.randrange(size // 3, size)
        while math.gcd(a, size) != 1:
            a += 1
        self.low, self.size, self.a, self.b = low, size, a, rng.randrange(size)
        # First-delivery people count up from 0, churn arrivals count down from
        # size-1: so the first delivery never depends on the churn options.
        self.up, self.down = 0, size - 1

    def take(self, arrival: bool = False) -> int:
        """Next unused number (from the arrival end when ``arrival``)."""
        if self.up > self.down:
            raise OverflowError("identifier space exhausted: too many people for 7-digit jointures")
        if arrival:
            n, self.down = self.down, self.down - 1
        else:
            n, self.up = self.up, self.up + 1
        return self.low + (self.a * n + self.b) % self.size


class Ids:
    """Identifier spaces and uniqueness registers of one académie run (mutable, passed explicitly)."""

    SEEN_BITS = 27  # a fixed 16 MB bitmap, whatever the size of the académie

    def __init__(self, seed: int):
        rng = random.Random(f"{seed}:ids")
        self.person = IdSpace(rng, 1_000_000, 9_000_000)  # ENTPersonJointure, 7 digits
        self.eleve = IdSpace(rng, 100_000, 9_900_000)  # SIECLE ELEVE_ID, 6-7 digits
        self.ine = IdSpace(rng, 0, 1_000_000_000)  # 9 digits of the INE
        self.sts = IdSpace(rng, 10_000_000, 90_000_000)  # ENTPersonSTSId, 8 digits
        self.seen = bytearray(1 << (self.SEEN_BITS - 3))
        self.seen_arrivals: set[int] = set()
        self.mails: dict[str, int] = {}

    def claim_identity(self, sn: str, given: str, birth: str, arrival: bool) -> bool:
        """Reserve a normalised (name, first name, birth date); False if it may be taken.

        Only the deliberate duplicates may share an identity: an accidental
        homonym would look like a "record typed twice" to the daemon.  A hash
        bitmap keeps memory fixed (a false positive merely redraws the date).
        First-delivery people and churn arrivals live in disjoint hash
        classes, so arrivals never change who the first delivery holds.
        """
        h = zlib.crc32(f"{identity_key(sn)}|{identity_key(given)}|{birth}".encode())
        first_class = h >> 28 != 0
        if arrival:
            if first_class or h in self.seen_arrivals:
                return False
            self.seen_arrivals.add(h)
            return True
        i = h & ((1 << self.SEEN_BITS) - 1)
        if not first_class or self.seen[i >> 3] & (1 << (i & 7)):
            return False
        self.seen[i >> 3] |= 1 << (i & 7)
        return True

    def staff_mail(self, given: str, sn: str, domain: str, sts_id: str, arrival: bool) -> str:
        """Unique académie address: prenom.nom, then prenom.nom2, 3... (arrivals: STS-id suffix)."""
        local = f"{slug(given)}.{slug(sn)}"
        if arrival:
            return f"{local}{sts_id[-4:]}@{domain}"
        n = self.mails[local] = self.mails.get(local, 0) + 1
        return f"{local}{n if n > 1 else ''}@{domain}"


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    label: str
    stream: Stream


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    label: str
    classes: tuple[str, ...]
    subject: str
    family: str


@dataclass(frozen=True, slots=True)
class Etab:
    index: int
    sj: str
    uai: str
    kind: str
    contract: str
    name: str
    street: str
    postal_code: str
    city: str
    dept: str
    phone: str
    n_students: int
    divisions: tuple[Division, ...]
    groups: tuple[Group, ...]
    n_duplicates: int = 0
    n_typos: int = 0
    n_teacher_moves: int = 0

    @property
    def type_struct(self) -> str:
        return KIND_TYPE[self.kind]


@dataclass(frozen=True, slots=True)
class Academie:
    seed: int
    n_students: int
    school_year: int
    name: str
    mail_domain: str
    depts: dict
    etabs: tuple[Etab, ...]

    def mefs(self) -> list[tuple[str, str]]:
        """(ENTMefJointure, label) of every stream used, in first-use order."""
        seen: dict[str, str] = {}
        for e in self.etabs:
            for d in e.divisions:
                seen.setdefault(d.stream.mef, d.stream.mef_label)
        return list(seen.items())


@dataclass(slots=True)
class Student:
    jointure: str
    eleve_id: str
    ine: str
    title: str
    sn: str
    given: str
    other_given: tuple[str, ...]
    patro: str
    birth: str
    division: str
    groups: tuple[str, ...]
    stream: Stream
    statut: str
    boursier: str
    regime: str
    rels: tuple[tuple[str, str, str, str, str, str], ...]  # relId, lien, fin, legal, contact, paiement


@dataclass(slots=True)
class Guardian:
    jointure: str
    title: str
    sn: str
    given: str
    patro: str
    home: str
    work: str
    mobile: str
    mail: str
    address: tuple[str, ...]
    postal: str
    city: str
    country: str


@dataclass(slots=True)
class Staff:
    jointure: str
    title: str
    sn: str
    given: str
    patro: str
    birth: str
    mail: str
    rattach: str
    functions: tuple[tuple[str, str, str, str, str], ...]  # SJ, code, label, discipline code, label
    teacher: bool
    presence: str
    services: tuple[tuple[str, str, bool, str], ...]  # SJ, class/group code, is_group, subject
    principal: tuple[tuple[str, str], ...]  # SJ, class code
    sts_id: str


@dataclass(slots=True)
class Population:
    """The people of one establishment at one date."""

    etab: Etab
    students: list[Student]
    guardians: list[Guardian]
    staff: list[Staff]
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (kept, typed twice)
    couples: list[str] = field(default_factory=list)
    typos: dict[str, tuple[str, str]] = field(default_factory=dict)  # guardian -> correct (sn, patro)


# --------------------------------------------------------------------------- plan


def plan_academie(seed: int, n_students: int, school_year: int = 2026) -> Academie:
    """Plan the establishments (structure only, no people) of a seeded académie."""
    rng = random.Random(f"{seed}:plan")
    acad_name = rng.choice(sorted(ACADEMIES))
    depts = ACADEMIES[acad_name]
    n_etabs = max(1, round(n_students / STUDENTS_PER_ETAB))
    # The first three establishments cover the three kinds so that small runs
    # still exercise collège, LGT and LP class codes.
    kinds = (["CLG", "LGT", "LP"] + rng.choices(["CLG", "LGT", "LP"], [60, 25, 15], k=n_etabs))[:n_etabs]
    rng.shuffle(kinds)
    sizes = _split(n_students, [rng.uniform(0.6, 1.4) * {"CLG": 1.0, "LGT": 1.5, "LP": 0.7}[k] for k in kinds])
    sjs = rng.sample(range(10_000, 100_000), n_etabs)
    extras = _spread(rng, n_etabs, max(1, min(10, n_students // 400)))
    typos = _spread(rng, n_etabs, rng.choice((1, 2)))
    moves = _spread(rng, n_etabs, max(2, min(20, n_students // 50_000)))
    used_uai: set[str] = set()
    etabs = []
    for i, kind in enumerate(kinds):
        dept = rng.choice(sorted(depts))
        uai7 = f"{dept}{rng.randrange(10_000):04d}"
        while uai7 in used_uai:
            uai7 = f"{dept}{rng.randrange(10_000):04d}"
        used_uai.add(uai7)
        contract = "PR" if rng.random() < 0.15 else "PU"
        base = rng.choice(ETAB_NAMES_PR if contract == "PR" else ETAB_NAMES)
        city, postal = rng.choice(depts[dept])
        divisions, groups = _structure(random.Random(f"{seed}:structure:{i}"), kind, sizes[i])
        etabs.append(
            Etab(
                index=i,
                sj=str(sjs[i]),
                uai=uai7 + uai_check_letter(uai7),
                kind=kind,
                contract=contract,
                name=f"{kind}-{base}-ac-{acad_name}",
                street=f"{rng.randint(1, 90)} {rng.choice(STREETS)}",
                postal_code=postal,
                city=city,
                dept=dept,
                phone=f"+33{rng.choice('4123')}{rng.randrange(10**8):08d}",
                n_students=sizes[i],
                divisions=divisions,
                groups=groups,
                n_duplicates=extras[i],
                n_typos=typos[i],
                n_teacher_moves=moves[i],
            )
        )
    return Academie(seed, n_students, school_year, acad_name, f"ac-{slug(acad_name)}.fr", depts, tuple(etabs))


def _split(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def _spread(rng: random.Random, n: int, count: int) -> list[int]:
    out = [0] * n
    for i in rng.choices(range(n), k=count):
        out[i] += 1
    return out


def _structure(rng: random.Random, kind: str, n_students: int) -> tuple[tuple[Division, ...], tuple[Group, ...]]:
    """Divisions and option groups of one establishment (codes obey domain rules §2)."""
    streams = STREAMS[kind]
    style = rng.choice((0, 0, 1, 2)) if kind == "CLG" else 0  # "6EME1", "6 A" or "6A"
    wsum = sum(s.weight for s in streams)
    divisions: list[Division] = []
    groups: list[Group] = []
    counters: dict[str, int] = {}

    def group(fam: str, label: str, subject: str, level: str, classes: list[str]) -> None:
        key = level + fam
        counters[key] = counters.get(key, 0) + 1
        code = f"{key}_{counters[key]}"
        groups.append(Group(_checked(code), f"{label} GR {counters[key]}", tuple(classes), subject, fam))

    for st in streams:
        n = max(1, math.ceil(n_students * st.weight / wsum / CLASS_SIZE))
        codes = []
        for k in range(1, n + 1):
            if style == 0:
                code = f"{st.stem}{k}"
            else:
                code = f"{st.stem[0]}{' ' if style == 1 else ''}{_letters(k)}"
            codes.append(_checked(code))
            divisions.append(Division(code, f"{st.stem} {k}", st))
        level = st.stem[0]
        if st.lv2:
            for a in range(0, n, 2):
                group("ESP2", "ESPAGNOL LV2", "030602", level, codes[a : a + 2])
            group("ALL2", "ALLEMAND LV2", "030102", level, codes)
        if st.latin:
            group("LAT", "LATIN", "020100", level, codes)
        if st.spe:
            for fam, label, subject in SPECIALITIES:
                for a in range(0, n, 3):
                    group(fam, label, subject, level, codes[a : a + 3])
    return tuple(divisions), tuple(groups)


def _letters(k: int) -> str:
    s = ""
    while k:
        k, r = divmod(k - 1, 26)
        s = chr(65 + r) + s
    return s


def _checked(code: str) -> str:
    if len(code) > 8 or not all(c.isascii() and (c.isalnum() or c in " -_") for c in code):
        raise ValueError(f"generated class/group code breaks the §2 rules: {code!r}")
    return code


# --------------------------------------------------------------------------- people


class _Gen:
    """Random people for one establishment; ``arrival`` selects the arrival id ranges."""

    def __init__(self, acad: Academie, etab: Etab, ids: Ids, rng: random.Random, arrival: bool = False):
        self.acad, self.etab, self.ids, self.rng, self.arrival = acad, etab, ids, rng, arrival
        self.by_stream: dict[str, list[Division]] = {}
        for d in etab.divisions:
            self.by_stream.setdefault(d.stream.stem, []).append(d)
        self.streams = [(st, self.by_stream[st.stem]) for st in STREAMS[etab.kind] if st.stem in self.by_stream]
        self.weights = [st.weight for st, _ in self.streams]
        # class code -> family -> candidate groups containing that class
        self.options: dict[str, dict[str, list[str]]] = {}
        for g in etab.groups:
            for c in g.classes:
                self.options.setdefault(c, {}).setdefault(g.family, []).append(g.code)
        self.communes = acad.depts[etab.dept]

    def pid(self) -> str:
        return str(self.ids.person.take(self.arrival))

    def birth(self, year: int) -> str:
        d = date.fromordinal(date(year, 1, 1).toordinal() + self.rng.randrange(365))
        return f"{d.day:02d}/{d.month:02d}/{d.year}"

    def unique_birth(self, sn: str, given: str, year: int) -> str:
        """A birth date in ``year`` that no other person of that name has."""
        while True:
            birth = self.birth(year)
            if self.ids.claim_identity(sn, given, birth, self.arrival):
                return birth

    def last_name(self) -> str:
        r = self.rng
        sn = r.choice(LAST_NAMES)
        return f"{sn}-{r.choice(LAST_NAMES)}" if r.random() < 0.06 else sn

    def groups_for(self, division: Division) -> tuple[str, ...]:
        """0-3 option groups consistent with the class (LV2, Latin, specialities)."""
        r, st, opts = self.rng, division.stream, self.options.get(division.code, {})
        chosen = []
        if st.lv2:
            fam = "ESP2" if r.random() < 0.7 else "ALL2"
            if fam in opts:
                chosen.append(r.choice(opts[fam]))
        if st.latin and r.random() < 0.2 and "LAT" in opts:
            chosen.append(r.choice(opts["LAT"]))
        if st.spe:
            fams = [f for f, _, _ in SPECIALITIES if f in opts]
            for fam in r.sample(fams, min(st.spe, len(fams))):
                chosen.append(r.choice(opts[fam]))
        return tuple(chosen[:3])

    def family(self, n_children: int) -> tuple[list[Student], list[Guardian], list[str]]:
        """One family: its children in this establishment and their guardians."""
        r = self.rng
        sn = self.last_name()
        commune, postal = r.choice(self.communes)
        address = (f"{r.randint(1, 150)} {r.choice(STREETS)}",)
        if r.random() < 0.25:
            address += (r.choice(("BATIMENT B", "APPARTEMENT 12", "RESIDENCE LES ŒILLETS", "LIEU-DIT LA CÔTE")),)
        couples: list[str] = []
        x = r.random()
        if x < 0.009:  # a couple typed as one guardian (domain rules §5)
            g = self.guardian(
                "M.",
                f"{r.choice(ADULT_M)} {r.choice(('Et', 'et', '&'))} {r.choice(ADULT_F)}",
                f"M. MME {sn.upper()}" if r.random() < 0.6 else sn,
                address,
                commune,
                postal,
            )
            couples.append(g.jointure)
            links = [(g, "20", "1")]
        elif x < 0.26:
            mother = r.random() < 0.7
            g = self.guardian(
                "Mme" if mother else "M.", r.choice(ADULT_F if mother else ADULT_M), sn, address, commune, postal
            )
            links = [(g, "10" if mother else "20", "1")]
        elif x < 0.29:
            g = self.guardian(
                r.choice(("M.", "Mme")), r.choice(ADULT_M + ADULT_F), self.last_name(), address, commune, postal
            )
            links = [(g, "50", "1")]
        else:
            maiden = self.last_name()
            m = self.guardian(
                "Mme", r.choice(ADULT_F), sn if r.random() < 0.7 else maiden, address, commune, postal, patro=maiden
            )
            f = self.guardian("M.", r.choice(ADULT_M), sn, address, commune, postal)
            links = [(m, "10", "1"), (f, "20", "1")]
            if r.random() < 0.10:  # a "responsable en charge" (foster family)
                c, p = r.choice(self.communes)
                e = self.guardian(
                    r.choice(("M.", "Mme")),
                    r.choice(ADULT_F + ADULT_M),
                    self.last_name(),
                    (f"{r.randint(1, 150)} {r.choice(STREETS)}",),
                    c,
                    p,
                )
                links.append((e, "42", "2"))
        if r.random() < 0.08:  # an emergency contact: no account
            c, p = r.choice(self.communes)
            k = self.guardian(
                r.choice(("M.", "Mme")),
                r.choice(ADULT_F + ADULT_M),
                self.last_name(),
                (f"{r.randint(1, 150)} {r.choice(STREETS)}",),
                c,
                p,
            )
            links.append((k, r.choice(("38", "39", "90")), "0"))
        payer = 0 if len(links) == 1 or r.random() < 0.6 else 1
        rels = tuple(
            (
                g.jointure,
                lien,
                "1" if legal == "1" else "0",
                legal,
                "1" if legal != "0" else "0",
                "1" if i == payer else "0",
            )
            for i, (g, lien, legal) in enumerate(links)
        )
        kids = [self.student(sn, rels) for _ in range(n_children)]
        return kids, [g for g, _, _ in links], couples

    def student(self, sn: str, rels: tuple) -> Student:
        r = self.rng
        st, divs = r.choices(self.streams, self.weights)[0]
        division = r.choice(divs)
        girl = r.random() < 0.5
        names = CHILD_F if girl else CHILD_M
        age = st.age + (1 if r.random() < 0.08 else -1 if r.random() < 0.02 else 0)
        lp = self.etab.kind == "LP"
        given = r.choice(names)
        return Student(
            jointure=self.pid(),
            eleve_id=str(self.ids.eleve.take(self.arrival)),
            ine=f"{self.ids.ine.take(self.arrival):09d}{r.choice(CHECK_LETTERS)}{r.choice(CHECK_LETTERS)}",
            title="Mme" if girl else "M.",
            sn=sn,
            given=given,
            other_given=tuple(r.choice(names) for _ in range(r.choice((0, 0, 1, 1, 2)))),
            patro=sn,
            birth=self.unique_birth(sn, given, self.acad.school_year - age),
            division=division.code,
            groups=self.groups_for(division),
            stream=st,
            statut="APPRENTI" if lp and r.random() < 0.1 else "SCOLAIRE",
            boursier="O" if r.random() < 0.25 else "N",
            regime=r.choices(("DP DAN", "EXTERNE LIBRE", "INTERNE DANS L'ETABLISSEMENT"), (65, 28, 7))[0],
            rels=rels,
        )

    def guardian(
        self, title: str, given: str, sn: str, address: tuple, commune: str, postal: str, patro: str | None = None
    ) -> Guardian:
        r = self.rng
        jointure = self.pid()
        mail = ""
        if r.random() < 0.75:
            # The jointure in the address keeps contact data unique: homonyms
            # sharing a mail would look like a guardian typed twice.
            mail = (
                f"{slug(given.split()[0])}.{slug(sn.split()[-1])}.{jointure}"
                f"@{r.choice(('example.com', 'example.org', 'example.net'))}"
            )
        return Guardian(
            jointure=jointure,
            title=title,
            sn=sn,
            given=given,
            patro=patro or sn,
            home=f"+334{r.randrange(10**8):08d}" if r.random() < 0.3 else "",
            work=f"+331{r.randrange(10**8):08d}" if r.random() < 0.2 else "",
            mobile=f"+33{r.choice('67')}{r.randrange(10**8):08d}" if r.random() < 0.85 else "",
            mail=mail,
            address=address,
            postal=postal,
            city=commune,
            country="FRANCE",
        )

    def identity(self) -> dict:
        """Name, birth date, académie mail and STS id of a new staff member."""
        r = self.rng
        woman = r.random() < 0.6
        given, sn = r.choice(ADULT_F if woman else ADULT_M), self.last_name()
        sts_id = str(self.ids.sts.take(self.arrival))
        return dict(
            jointure=self.pid(),
            title="Mme" if woman else "M.",
            sn=sn,
            given=given,
            patro=sn,
            birth=self.unique_birth(sn, given, r.randint(1962, 2001)),
            mail=self.ids.staff_mail(given, sn, self.acad.mail_domain, sts_id, self.arrival),
            sts_id=sts_id,
        )

    def staff_member(self, functions: tuple, teacher: bool, presence: str, services=(), principal=()) -> Staff:
        return Staff(
            **self.identity(),
            rattach=self.etab.sj if self.rng.random() < 0.9 else "",
            functions=functions,
            teacher=teacher,
            presence=presence,
            services=tuple(services),
            principal=tuple(principal),
        )


def _class_services(etab: Etab) -> dict[str, list[tuple[str, bool, str]]]:
    """Teaching services (code, is_group, subject) of an establishment, by STS discipline."""
    out: dict[str, list[tuple[str, bool, str]]] = {}
    for d in etab.divisions:
        for subject in d.stream.subjects:
            out.setdefault(SUBJECTS[subject][1], []).append((d.code, False, subject))
    for g in etab.groups:
        out.setdefault(SUBJECTS[g.subject][1], []).append((g.code, True, g.subject))
    return out


def populate(acad: Academie, etab: Etab, ids: Ids) -> Population:
    """All people of ``etab`` in the first delivery (students, guardians, staff)."""
    rng = random.Random(f"{acad.seed}:people:{etab.index}")
    gen = _Gen(acad, etab, ids, rng)
    pop = Population(etab, [], [], [])
    _add_families(gen, pop, etab.n_students)
    # A record typed twice in SIECLE: same person, new ids, retyped name.
    for s in rng.sample(pop.students, min(etab.n_duplicates, len(pop.students))):
        given = strip_accents(s.given)
        dup = replace(
            s,
            jointure=gen.pid(),
            eleve_id=str(ids.eleve.take()),
            ine=f"{ids.ine.take():09d}{rng.choice(CHECK_LETTERS)}{rng.choice(CHECK_LETTERS)}",
            sn=s.sn.upper(),
            given=given if given != s.given else given.upper(),
        )
        pop.students.append(dup)
        pop.duplicates.append((s.jointure, dup.jointure))
    # A guardian's name typed with two letters swapped, corrected by the next delivery.
    couples = set(pop.couples)
    candidates = [g for g in pop.guardians if g.jointure not in couples]
    for g in rng.sample(candidates, min(etab.n_typos, len(candidates))):
        spots = [
            i
            for i in range(len(g.sn) - 1)
            if g.sn[i].isalpha() and g.sn[i + 1].isalpha() and g.sn[i].lower() != g.sn[i + 1].lower()
        ]
        if spots:
            i = rng.choice(spots)
            pop.typos[g.jointure] = (g.sn, g.patro)
            typo = g.sn[:i] + g.sn[i + 1] + g.sn[i] + g.sn[i + 2 :]
            g.patro = typo if g.patro == g.sn else g.patro
            g.sn = typo
    pop.staff = _staff(gen)
    return pop


def _add_families(gen: _Gen, pop: Population, n_students: int) -> list[str]:
    """Append families until ``n_students`` children were added; return the children's jointures."""
    added: list[str] = []
    while len(added) < n_students:
        # ~16 % of families have siblings here, hence 10-20 % of shared guardians.
        k = min(gen.rng.choices((1, 2, 3), (84, 13, 3))[0], n_students - len(added))
        kids, guardians, couples = gen.family(k)
        pop.students += kids
        pop.guardians += guardians
        pop.couples += couples
        added += [s.jointure for s in kids]
    return added


def _staff(gen: _Gen) -> list[Staff]:
    """Teachers (services shared round-robin per discipline) then other staff."""
    etab, r, sj = gen.etab, gen.rng, gen.etab.sj
    by_disc = _class_services(etab)
    discs = sorted(by_disc)
    n_teachers = max(len(discs), round(etab.n_students / STUDENTS_PER_TEACHER))
    extra = _split(n_teachers - len(discs), [len(by_disc[d]) for d in discs])
    plans = []  # (discipline, services)
    for d, k in zip(discs, extra):
        services = list(by_disc[d])
        r.shuffle(services)
        k = min(k, len(services) - 1)  # nobody without a service
        plans += [(d, services[i :: k + 1]) for i in range(k + 1)]
    # Some teachers also serve the next establishment (complément de service).
    acad = gen.acad
    other = acad.etabs[(etab.index + 1) % len(acad.etabs)] if len(acad.etabs) > 1 else None
    other_services = _class_services(other) if other else {}
    teachers = []
    for d, services in plans:
        label = next(v[2] for v in SUBJECTS.values() if v[1] == d)
        functions = [(sj, "ENS", "ENSEIGNEMENT", d, label)]
        svc = [(sj, c, g, s) for c, g, s in services]
        if other and other_services.get(d) and r.random() < 0.08:
            functions.append((other.sj, "ENS", "ENSEIGNEMENT", d, label))
            svc += [(other.sj, c, g, s) for c, g, s in r.sample(other_services[d], min(2, len(other_services[d])))]
        teachers.append(gen.staff_member(tuple(functions), True, "O", svc))
    # Principal teacher of each class: one of the teachers of that class.
    taught: dict[str, list[int]] = {}
    for i, t in enumerate(teachers):
        for s_j, code, is_group, _ in t.services:
            if s_j == sj and not is_group:
                taught.setdefault(code, []).append(i)
    for d in etab.divisions:
        if taught.get(d.code):
            t = teachers[r.choice(taught[d.code])]
            t.principal += ((sj, d.code),)
    n = etab.n_students
    roles = (
        ["DIR"] * (2 if n >= 400 else 1)
        + ["EDU"] * max(1, n // 350)
        + ["DOC", "MDS"]
        + ["ORI"] * (n >= 300)
        + ["ADF"] * max(1, n // 250)
    )
    roles += ["AED"] * max(0, round(n / STUDENTS_PER_STAFF) - len(roles))
    staff = []
    for code in roles:
        label, dcode, dlabel, presence, categorie = STAFF_FUNCTIONS[code]
        staff.append(gen.staff_member(((sj, code, label, dcode, dlabel),), categorie == "O", presence))
    return teachers + staff


def structure_teachers(
    acad: Academie, ids: Ids, rng: random.Random, sj: str, disciplines: list[tuple[str, str]], presence: str
) -> list[Staff]:
    """Teachers attached to structure ``sj`` only (one per discipline, no service):
    the staff of a replacement zone or of a school the ENT does not serve.
    Their identities come from ``rng`` and the académie's shared identifier
    spaces, so call this after the establishments' first populations."""
    gen = _Gen(acad, acad.etabs[0], ids, rng)
    return [
        Staff(
            **gen.identity(),
            rattach=sj,
            functions=((sj, "ENS", "ENSEIGNEMENT", code, label),),
            teacher=True,
            presence=presence,
            services=(),
            principal=(),
        )
        for code, label in disciplines
    ]


# --------------------------------------------------------------------------- churn


@dataclass(slots=True)
class Churn:
    """What changed in one establishment between the two deliveries (ground truth)."""

    left: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)
    class_changes: list[tuple[str, str, str]] = field(default_factory=list)
    duplicates_removed: list[str] = field(default_factory=list)
    teachers_left: list[str] = field(default_factory=list)
    teachers_arrived: list[str] = field(default_factory=list)
    guardians_left: list[str] = field(default_factory=list)
    guardians_arrived: list[str] = field(default_factory=list)
    guardians_renamed: list[str] = field(default_factory=list)


def evolve(acad: Academie, pop: Population, ids: Ids, rate: float) -> tuple[Population, Churn]:
    """The same establishment at the second date; ``pop`` is left untouched."""
    etab = pop.etab
    rng = random.Random(f"{acad.seed}:churn:{etab.index}:{rate!r}")
    gen = _Gen(acad, etab, ids, rng, arrival=True)
    ch = Churn()
    removed = {d for _, d in pop.duplicates}
    ch.duplicates_removed = [d for _, d in pop.duplicates]
    # The kept twin of a duplicate and the children of a renamed guardian stay,
    # so that both corrections are visible in the second delivery.
    protected = {k for k, _ in pop.duplicates}
    protected |= {s.jointure for s in pop.students if any(rel[0] in pop.typos for rel in s.rels)}
    regular = [s for s in pop.students if s.jointure not in removed]
    movable = [s for s in regular if s.jointure not in protected]
    n_leave = min(len(movable), round(rate * len(regular)))
    leaving = {s.jointure for s in rng.sample(movable, n_leave)}
    ch.left = [s.jointure for s in regular if s.jointure in leaving]
    students = [s for s in regular if s.jointure not in leaving]
    # Class changes within the same level/track.
    changeable = [i for i, s in enumerate(students) if len(gen.by_stream[s.stream.stem]) > 1]
    for i in sorted(rng.sample(changeable, min(len(changeable), round(rate * len(students))))):
        s = students[i]
        division = rng.choice([d for d in gen.by_stream[s.stream.stem] if d.code != s.division])
        students[i] = replace(s, division=division.code, groups=gen.groups_for(division))
        ch.class_changes.append((s.jointure, s.division, division.code))
    # About as many newcomers as leavers, in new families.
    new = Population(etab, [], [], [])
    ch.arrived = _add_families(gen, new, n_leave)
    referenced = {rel[0] for s in students for rel in s.rels}
    guardians = []
    for g in pop.guardians:
        if g.jointure not in referenced:
            ch.guardians_left.append(g.jointure)
        elif g.jointure in pop.typos:
            sn, patro = pop.typos[g.jointure]
            guardians.append(replace(g, sn=sn, patro=patro))
            ch.guardians_renamed.append(g.jointure)
        else:
            guardians.append(g)
    ch.guardians_arrived = [g.jointure for g in new.guardians]
    # Teachers replaced: the newcomer takes over the whole service.
    staff = list(pop.staff)
    teaching = [i for i, p in enumerate(staff) if p.functions[0][1] == "ENS"]
    for i in rng.sample(teaching, min(etab.n_teacher_moves, len(teaching))):
        old = staff[i]
        staff[i] = replace(old, **gen.identity())
        ch.teachers_left.append(old.jointure)
        ch.teachers_arrived.append(staff[i].jointure)
    pop2 = Population(
        etab,
        students + new.students,
        guardians + new.guardians,
        staff,
        couples=[c for c in pop.couples if c in referenced] + new.couples,
    )
    return pop2, ch
