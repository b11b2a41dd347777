"""Drawing the people of one establishment: families (children and their
guardians) and staff, with names, birth dates and ids that are unique where
the daemon expects them to be."""

from __future__ import annotations

import random
from datetime import date

from .identifiers import CHECK_LETTERS, Ids, slug
from .model import Academie, Division, Etab, Guardian, Staff, Student
from .names import ADULT_F, ADULT_M, CHILD_F, CHILD_M, LAST_NAMES, STREETS
from .nomenclature import SPECIALITIES, STREAMS


class RandomPeople:
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
