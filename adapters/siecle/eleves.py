"""The records of a ``BEE_ELEVES`` export (formats §2): ``ELEVES/ELEVE``,
``STRUCTURES/STRUCTURES_ELEVE`` and ``OPTIONS/OPTION``, joined by ``ELEVE_ID``
once the whole file is read (the sections follow one another, one
establishment per file, so holding them is fine).

A student is kept whole or rejected whole (as AAF records are): a problem in
its structures rejects the student, so that ``division=None`` always means
"in no class" and never "its class was unreadable". Record rejections
(domain-rules §5, §11) name the ``ELEVE_ID`` and the field, never the value:
- ``missing_ine`` / ``invalid_ine`` (not 11 letters or digits) /
  ``duplicate_ine`` (the later students with an INE already seen);
- ``missing_field`` (fiche incomplète: name, first name, birth date or sex)
  and ``invalid_value`` (``CODE_SEXE`` other than 1/2);
- ``invalid_date`` (not ``DD/MM/YYYY``);
- ``duplicate_structures`` (a second section for one student naming another
  division than the first, at its line; a second section that agrees is
  merged, see ``_structure_section``), ``several_divisions`` (more than one
  ``D`` in a section), ``invalid_code`` (a ``D`` or ``G`` code breaking
  domain-rules §2: ≤ 8 letters, digits, space, - or _, so ``_301P1`` is a
  valid SIECLE group code; at the line of that ``STRUCTURE``);
- ``missing_identifier`` / ``duplicate_id`` (``ELEVE_ID`` empty or repeated:
  the later record), ``unknown_student`` (a structures or options section
  for an ``ELEVE_ID`` that no ``ELEVE`` carries).
A ``DATE_SORTIE`` in the past or the future is not a rejection: the rules
decide from ``left_on``. Partial extracts may lack identity fields (formats
§2): an absent name, first name, birth date or sex is ``missing_field`` like
an empty one, because an export is a snapshot and a kept record without them
would blank what an earlier export recorded; a rejected student keeps its
earlier values and is not absent.

Implausible values (domain-rules §12) set the field aside, the student kept:
a name (``NOM_DE_FAMILLE``/``NOM``, ``PRENOM``, ``NOM_USAGE``, ``PRENOM2``,
``PRENOM3``) of blanks only, too long, with control or invisible characters;
a ``DATE_NAISS`` before 1900 or after the export's ``DATE_EXPORT``. With
neither family name nor first name left, the student is rejected
(``no_usable_name``).
"""

from __future__ import annotations

from datetime import date

from adapters.plausibility import MESSAGES, NO_USABLE_NAME, birth_problem
from adapters.siecle.records import SiecleStudent
from adapters.siecle.values import Rejections, fields, name_check, parse_date, parse_end, text
from adapters.validators import code_is_valid

# Record element → the section element it must sit in.
TAGS = {"ELEVE": "ELEVES", "STRUCTURES_ELEVE": "STRUCTURES", "OPTION": "OPTIONS"}
_SEX = {"1": "M", "2": "F", "M": "M", "F": "F"}  # CODE_SEXE 1 M, 2 F (letters tolerated)
_DATES = (("DATE_NAISS", "birth_date"), ("DATE_ENTREE", "entered_on"))
_INCOMPLETE = "fiche incomplète: {what} is empty; no account can be made"
_OTHER_NAMES = (("NOM_USAGE", "usage_name"), ("PRENOM2", "given_name2"), ("PRENOM3", "given_name3"))


class ElevesReader:
    """Fed each record element as it ends; ``finish`` joins and validates."""

    tags = TAGS

    def __init__(self, file: str):
        self.rejections = Rejections(file)
        self._students: dict[str, dict] = {}  # ELEVE_ID → values, first record only
        self._bad: set[str] = set()  # ELEVE_IDs rejected
        self._ines: set[str] = set()
        self._structures: dict[str, tuple[str | None, tuple[str, ...], int]] = {}
        self._options: dict[str, tuple[list[str], int]] = {}

    def feed(self, elem) -> None:
        if elem.tag == "ELEVE":
            self._student(elem)
        elif elem.tag == "STRUCTURES_ELEVE":
            self._structure_section(elem)
        else:
            self._option_section(elem)

    # ------------------------------------------------------------------ records

    def _reject(self, reason: str, line: int, eleve_id: str, field: str, message: str) -> None:
        self.rejections.add(reason, line, eleve_id, field, message)
        self._bad.add(eleve_id)

    def _student(self, elem) -> None:
        line = elem.sourceline or 0
        eid = elem.get("ELEVE_ID", "").strip()
        if not eid:
            self.rejections.add("missing_identifier", line, "", "ELEVE_ID", "student without ELEVE_ID")
            return
        if eid in self._students:
            self.rejections.add(
                "duplicate_id", line, eid, "ELEVE_ID", "ELEVE_ID already used by an earlier student of the file"
            )
            return
        f = fields(elem)
        # Old files (VERSION 2.x) name the family name NOM (formats §2).
        # Whether a file may carry both is not documented (uncertain):
        # NOM_DE_FAMILLE wins unless it is absent, or empty while NOM has a value.
        has_nom = "NOM" in f and (f["NOM"] or "NOM_DE_FAMILLE" not in f)
        family_tag = "NOM" if has_nom and not f.get("NOM_DE_FAMILLE") else "NOM_DE_FAMILLE"
        values = {
            "eleve_id": eid,
            "elenoet": f.get("ELENOET") or elem.get("ELENOET", "").strip(),
            "ine": f.get("ID_NATIONAL", ""),
            "family_name": f.get(family_tag, ""),
            "usage_name": f.get("NOM_USAGE", ""),
            "given_name": f.get("PRENOM", ""),
            "given_name2": f.get("PRENOM2", ""),
            "given_name3": f.get("PRENOM3", ""),
            "sex": _SEX.get(f.get("CODE_SEXE", "").upper(), ""),
            "leaving_reason": f.get("CODE_MOTIF_SORTIE", ""),
            "regime": f.get("CODE_REGIME", ""),
            "status": f.get("CODE_STATUT", ""),
            "mef": f.get("CODE_MEF", ""),
            "previous_uai": text(elem.find("SCOLARITE_AN_DERNIER/CODE_RNE")),
            "line": line,
        }
        self._students[eid] = values
        self._check_ine(values["ine"], line, eid)
        unusable = 0
        for tag, key, what in ((family_tag, "family_name", "family name"), ("PRENOM", "given_name", "first name")):
            problem = name_check(elem, tag, f.get(tag, ""))
            if problem:
                self._set_aside(values, key, problem, line, eid, tag)
                unusable += 1
            elif not f.get(tag):
                self._reject("missing_field", line, eid, tag, _INCOMPLETE.format(what=what))
        if unusable == 2:
            self._reject(NO_USABLE_NAME, line, eid, f"{family_tag},PRENOM", MESSAGES[NO_USABLE_NAME])
        for tag, key in _OTHER_NAMES:
            problem = name_check(elem, tag, f.get(tag, ""))
            if problem:
                self._set_aside(values, key, problem, line, eid, tag)
        if not f.get("CODE_SEXE"):
            self._reject("missing_field", line, eid, "CODE_SEXE", _INCOMPLETE.format(what="sex"))
        elif not values["sex"]:
            self._reject("invalid_value", line, eid, "CODE_SEXE", "sex code is neither 1 (M) nor 2 (F)")
        if not f.get("DATE_NAISS"):
            self._reject("missing_field", line, eid, "DATE_NAISS", _INCOMPLETE.format(what="birth date"))
        for tag, key in (*_DATES, ("DATE_SORTIE", "left_on")):
            try:
                values[key] = (parse_end if key == "left_on" else parse_date)(f.get(tag, ""))
            except ValueError:
                self._reject("invalid_date", line, eid, tag, "date is not DD/MM/YYYY")

    def _set_aside(self, values: dict, key: str, reason: str, line: int, eid: str, tag: str) -> None:
        values[key] = None if key == "birth_date" else ""
        self.rejections.set_aside(reason, line, eid, tag)

    def _check_ine(self, ine: str, line: int, eid: str) -> None:
        if not ine:
            self._reject("missing_ine", line, eid, "ID_NATIONAL", "student without INE: no account can be made")
        elif len(ine) != 11 or not ine.isalnum():
            self._reject("invalid_ine", line, eid, "ID_NATIONAL", "INE is not 11 letters or digits")
        elif ine in self._ines:
            self._reject(
                "duplicate_ine", line, eid, "ID_NATIONAL", "INE already carried by an earlier student of the file"
            )
        else:
            self._ines.add(ine)

    def _structure_section(self, elem) -> None:
        line = elem.sourceline or 0
        eid = elem.get("ELEVE_ID", "").strip()
        if not eid:
            self.rejections.add("missing_identifier", line, "", "ELEVE_ID", "STRUCTURES_ELEVE without ELEVE_ID")
            return
        divisions: list[str] = []
        groups: list[str] = []
        for structure in elem.iterchildren("STRUCTURE"):
            code = text(structure.find("CODE_STRUCTURE"))
            kind = text(structure.find("TYPE_STRUCTURE")).upper()
            if kind not in ("D", "G"):
                continue  # only D (division) and G (group) are known (formats §2)
            (divisions if kind == "D" else groups).append(code)
            if not code_is_valid(code):
                what = "division" if kind == "D" else "group"
                self._reject(
                    "invalid_code",
                    structure.sourceline or line,
                    eid,
                    "CODE_STRUCTURE",
                    f"{what} code breaks the rules (1 to 8 letters, digits, space, - or _)",
                )
        if len(divisions) > 1:
            self._reject(
                "several_divisions",
                line,
                eid,
                "TYPE_STRUCTURE",
                f"{len(divisions)} D structures for one student; a student has one division",
            )
        division = divisions[0] if divisions else None
        if eid in self._structures:
            # formats §2: a duplicate STRUCTURES_ELEVE section occurs, without
            # saying what it means (uncertain). A repeat that agrees with the
            # first (the same division, or none on one side) only adds its
            # groups not seen yet; one naming another division leaves the
            # class ambiguous, and the student is rejected.
            known, known_groups, line = self._structures[eid]
            if known is not None and division is not None and known != division:
                self._reject(
                    "duplicate_structures",
                    elem.sourceline or line,
                    eid,
                    "STRUCTURES_ELEVE",
                    "second STRUCTURES_ELEVE section for this student names another division: its class is ambiguous",
                )
                return
            division = known if known is not None else division
            groups = [*known_groups, *(g for g in dict.fromkeys(groups) if g not in known_groups)]
        self._structures[eid] = (division, tuple(groups), line)

    def _option_section(self, elem) -> None:
        line = elem.sourceline or 0
        eid = elem.get("ELEVE_ID", "").strip()
        if not eid:
            self.rejections.add("missing_identifier", line, "", "ELEVE_ID", "OPTION without ELEVE_ID")
            return
        codes = [text(o.find("CODE_MATIERE")) for o in elem.iterchildren("OPTIONS_ELEVE")]
        known, first_line = self._options.get(eid, ([], line))
        known.extend(c for c in codes if c)
        self._options[eid] = (known, first_line)

    # ------------------------------------------------------------------ join

    def finish(self, exported_on: date | None = None) -> tuple[tuple[SiecleStudent, ...], tuple, tuple]:
        """(students, rejections, fields set aside); ``exported_on``: the
        day a birth date may not be after (domain-rules §12)."""
        for eid, values in self._students.items():
            born = values.get("birth_date")
            problem = birth_problem(born, exported_on) if born and eid not in self._bad else None
            if problem:
                self._set_aside(values, "birth_date", problem, values["line"], eid, "DATE_NAISS")
        for section, entries in (("STRUCTURES_ELEVE", self._structures), ("OPTION", self._options)):
            for eid, entry in entries.items():
                if eid not in self._students:
                    self.rejections.add(
                        "unknown_student",
                        entry[-1],
                        eid,
                        "ELEVE_ID",
                        f"{section} for an ELEVE_ID that no ELEVE of the file carries",
                    )
        students = []
        for eid, values in self._students.items():
            if eid in self._bad:
                continue
            division, groups, _ = self._structures.get(eid, (None, (), 0))
            options = tuple(self._options.get(eid, ([], 0))[0])
            students.append(SiecleStudent(**values, division=division, groups=groups, options=options))
        return tuple(students), self.rejections.sorted(), self.rejections.sorted_set_aside(self._bad)
