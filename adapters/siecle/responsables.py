"""The records of a ``BEE_RESPONSABLES`` export (formats §2):
``PERSONNES/PERSONNE``, ``RESPONSABLES/RESPONSABLE_ELEVE`` and
``ADRESSES/ADRESSE``, checked against one another once the file is read.

Record rejections (domain-rules §5, §11) name the ``PERSONNE_ID`` (for an
address, the ``ADRESSE_ID``) and the field, never the value:
- ``missing_field`` (fiche incomplète: a person without family name or first
  name); ``invalid_name`` (a name breaking the input masks: a character other
  than letters, spaces, apostrophes, hyphens, dots — and ``&``, see
  ``NAME_MARKS``);
- ``invalid_link`` (a link without ``ELEVE_ID``/``PERSONNE_ID``, to a
  ``PERSONNE_ID`` absent from the file, or with no or an unknown level);
  ``duplicate_link`` (the same student and person linked twice: the later);
- ``missing_identifier`` / ``duplicate_id`` (empty or repeated
  ``PERSONNE_ID`` / ``ADRESSE_ID``: the later record).
A link to a person that was itself rejected is left out without a rejection
of its own (the person's rejection says why), so every link names a guardian
of the export. A couple typed as one person is valid here (domain-rules §5).

Implausible names (domain-rules §12: blanks only, too long, control or
invisible characters) are set aside, the person kept, before the input masks
judge the others; with neither family name nor first name left, the person
is rejected (``no_usable_name``).
"""

from __future__ import annotations

from adapters.plausibility import MESSAGES, NO_USABLE_NAME
from adapters.siecle.records import LEVEL_CONTACT, LEVEL_LEGAL, LEVELS, SiecleAddress, SiecleGuardian, SiecleLink
from adapters.siecle.values import Rejections, fields, name_check, parse_flag

TAGS = {"PERSONNE": "PERSONNES", "RESPONSABLE_ELEVE": "RESPONSABLES", "ADRESSE": "ADRESSES"}

# Input masks of names (peignes de saisie, domain-rules §5): letters (any
# script, `œ` included), space, apostrophes (' and ’), hyphen, dot. `&` is
# accepted too: domain-rules §5/§6 show "Tino & Suzanne" as a couple that got
# a login (tino_-_suzanne.battistuta), i.e. a record SIECLE let through.
NAME_MARKS = frozenset(" '\u2019-.&")
_NAMES = (("NOM_DE_FAMILLE", "family name"), ("NOM_USAGE", "usage name"), ("PRENOM", "first name"))

# Responsibility level of a link, in both forms (formats §2):
#   2018+:    NIVEAU_RESPONSABILITE 1 (legal) / 2 (en charge) / 3 (contact)
#             → level 1 / 2 / 3; it wins when both forms are present.
#   pre-2018: RESP_LEGAL 1 or 2 (legal guardian "1" or "2") → level 1;
#             RESP_LEGAL 0 (not a legal guardian) → level 3 (contact only).
#             The old form has no "en charge": it never yields level 2.
#   pays_fees:        PAIE_FRAIS_SCOLAIRES, else RESP_FINANCIER (1 = yes)
#   priority_contact: A_CONTACTER_EN_PRIORITE (true/false), else PERS_CONTACT (1 = yes)
_OLD_LEVELS = {"1": LEVEL_LEGAL, "2": LEVEL_LEGAL, "0": LEVEL_CONTACT}


def name_is_valid(name: str) -> bool:
    """True when every character of ``name`` passes the input masks."""
    return all(ch.isalpha() or ch in NAME_MARKS for ch in name)


class ResponsablesReader:
    """Fed each record element as it ends; ``finish`` resolves links."""

    tags = TAGS

    def __init__(self, file: str):
        self.rejections = Rejections(file)
        self._persons: dict[str, SiecleGuardian | None] = {}  # None = rejected
        self._links: list[tuple[dict[str, str], int]] = []
        self._addresses: dict[str, SiecleAddress] = {}
        self._rejected: set[str] = set()

    def feed(self, elem) -> None:
        if elem.tag == "PERSONNE":
            self._person(elem)
        elif elem.tag == "RESPONSABLE_ELEVE":
            self._links.append((fields(elem), elem.sourceline or 0))
        else:
            self._address(elem)

    def _keyed(self, elem, attr: str, seen: dict, what: str) -> tuple[str, int] | None:
        """The record's key and line, or None (rejected) when it is empty or repeated."""
        line = elem.sourceline or 0
        key = elem.get(attr, "").strip() or fields(elem).get(attr, "")
        if not key:
            self.rejections.add("missing_identifier", line, "", attr, f"{what} without {attr}")
            return None
        if key in seen:
            self.rejections.add(
                "duplicate_id", line, key, attr, f"{attr} already used by an earlier {what} of the file"
            )
            return None
        return key, line

    def _person(self, elem) -> None:
        keyed = self._keyed(elem, "PERSONNE_ID", self._persons, "person")
        if keyed is None:
            return
        pid, line = keyed
        f = fields(elem)
        # formats §2 gives the old NOM for students only; that older persons
        # carry it too is not documented (uncertain): read it when it is the
        # only family name of the record, as eleves.py does.
        family = "NOM" if "NOM" in f and "NOM_DE_FAMILLE" not in f else "NOM_DE_FAMILLE"
        problems = 0
        unusable = 0
        for tag, what in ((family, "family name"), *_NAMES[1:]):
            value = f.get(tag, "")
            implausible = name_check(elem, tag, value)
            if implausible:
                self.rejections.set_aside(implausible, line, pid, tag)
                f[tag] = ""
                unusable += tag != "NOM_USAGE"
            elif not value and tag != "NOM_USAGE":
                self.rejections.add(
                    "missing_field", line, pid, tag, f"fiche incomplète: {what} is empty; no account can be made"
                )
                problems += 1
            elif not name_is_valid(value):
                self.rejections.add(
                    "invalid_name",
                    line,
                    pid,
                    tag,
                    f"{what} breaks the input masks (only letters, spaces, apostrophes, hyphens, dots)",
                )
                problems += 1
        if unusable == 2:
            self.rejections.add(NO_USABLE_NAME, line, pid, f"{family},PRENOM", MESSAGES[NO_USABLE_NAME])
            problems += 1
        if problems:
            self._rejected.add(pid)
        self._persons[pid] = (
            None
            if problems
            else SiecleGuardian(
                personne_id=pid,
                civility=f.get("LC_CIVILITE", ""),
                family_name=f.get(family, ""),
                usage_name=f.get("NOM_USAGE", ""),
                given_name=f.get("PRENOM", ""),
                phone_home=f.get("TEL_PERSONNEL", ""),
                phone_mobile=f.get("TEL_PORTABLE", ""),
                phone_work=f.get("TEL_PROFESSIONNEL", ""),
                email=f.get("MEL", ""),
                address_id=f.get("ADRESSE_ID", ""),
                profession=f.get("CODE_PROFESSION", ""),
                line=line,
            )
        )

    def _address(self, elem) -> None:
        keyed = self._keyed(elem, "ADRESSE_ID", self._addresses, "address")
        if keyed is None:
            return
        aid, line = keyed
        f = fields(elem)
        lines = tuple(v for v in (f.get(f"LIGNE{i}_ADRESSE", "") for i in range(1, 5)) if v)
        self._addresses[aid] = SiecleAddress(
            address_id=aid,
            lines=lines,
            postal_code=f.get("CODE_POSTAL", ""),
            commune_insee=f.get("CODE_COMMUNE_INSEE", ""),
            postal_label=f.get("LIBELLE_POSTAL", ""),
            country=f.get("CODE_PAYS", ""),
            line=line,
        )

    def _link(self, f: dict[str, str], line: int, seen: set[tuple[str, str]]) -> SiecleLink | None:
        eid, pid = f.get("ELEVE_ID", ""), f.get("PERSONNE_ID", "")
        where = f"link of student {eid or '(none)'}"

        def reject(reason: str, field: str, message: str) -> None:
            self.rejections.add(reason, line, pid, field, f"{where}: {message}")

        for tag, value in (("ELEVE_ID", eid), ("PERSONNE_ID", pid)):
            if not value:
                return reject("invalid_link", tag, f"{tag} is empty")
        if pid not in self._persons:
            return reject("invalid_link", "PERSONNE_ID", "no PERSONNE of the file has this PERSONNE_ID")
        if "NIVEAU_RESPONSABILITE" in f or "RESP_LEGAL" not in f:
            field, raw = "NIVEAU_RESPONSABILITE", f.get("NIVEAU_RESPONSABILITE", "")
            level = int(raw) if raw.isdigit() and int(raw) in LEVELS else None
        else:
            field, raw = "RESP_LEGAL", f["RESP_LEGAL"]
            level = _OLD_LEVELS.get(raw)
        if level is None:
            return reject("invalid_link", field, "responsibility level is missing or unknown")
        if (eid, pid) in seen:
            return reject("duplicate_link", "PERSONNE_ID", "this person is already linked to this student")
        seen.add((eid, pid))
        if self._persons[pid] is None:
            return None  # the person's own rejection stands for the link
        fees = f["PAIE_FRAIS_SCOLAIRES"] if "PAIE_FRAIS_SCOLAIRES" in f else f.get("RESP_FINANCIER", "")
        contact = f["A_CONTACTER_EN_PRIORITE"] if "A_CONTACTER_EN_PRIORITE" in f else f.get("PERS_CONTACT", "")
        return SiecleLink(
            eleve_id=eid,
            personne_id=pid,
            level=level,
            kinship=f.get("CODE_PARENTE", ""),
            pays_fees=parse_flag(fees),
            priority_contact=parse_flag(contact),
            line=line,
        )

    def finish(self):
        seen: set[tuple[str, str]] = set()
        links = tuple(link for f, line in self._links if (link := self._link(f, line, seen)) is not None)
        guardians = tuple(g for g in self._persons.values() if g is not None)
        return (
            guardians,
            links,
            tuple(self._addresses.values()),
            self.rejections.sorted(),
            self.rejections.sorted_set_aside(self._rejected),
        )
