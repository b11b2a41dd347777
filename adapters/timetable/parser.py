"""Streaming reader of the Index Education EDT/Pronote "export ENT" clear XML
(formats §4; root ``ExportEmploiDuTemps`` in namespace
``http://www.index-education.com/exportemploidutemps``, UTF-8, data in
attributes) into validated records. UDT (UnDeuxTemps) is another reader.

Pure: format → records and rejections, no database, no event. The whole
export is refused (DeliveryRejected) only when it cannot be read: not
well-formed, another root or namespace, an invalid UAI (domain-rules §2),
unreadable school-year dates. The 15-July rule is the pipeline's (the first
import of a year shows it before any refusal, domain-rules §12).

A timetable applies what it can (domain-rules §12): one record is set aside
(Rejection) for a class/group name breaking the code rules (domain-rules
§2), a reference to an undeclared ident, a bad ``@Semaines``; a course or a
group made of a class or group set aside is set aside with it. What is *not*
an error (formats §4, seen in real exports): a course holding only a subject
(valid under Index's XSD), and a reference to a class part that no class
declares (parts never reach the ENT) — it is dropped and counted.

Week masks: week *n* is the value 2ⁿ, bit 0 unused (the exporter writes its
decoding beside each mask: ``Semaines="2"`` → ``<!--Domaine : [1]-->``).

Dates: the attributes are read as ``YYYY-MM-DD`` (the public importers parse
them as ISO dates; Index Education's exchange schema types them ``xs:date``);
``DD/MM/YYYY`` is accepted too, as the two cannot be confused.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import reduce
from operator import or_
from pathlib import Path

from pydantic import BaseModel, ValidationError

from adapters.errors import DeliveryRejected, Rejection
from adapters.timetable.records import (
    MAX_WEEKS,
    EdtClass,
    EdtCourse,
    EdtExport,
    EdtGroup,
    EdtHeader,
    EdtRefs,
    EdtSetAside,
    EdtStudent,
    EdtSubject,
    EdtTeacher,
)
from adapters.validators import uai_is_valid
from adapters.xmlfile import iter_elements, open_export, parse_date, release, sniff_root

__all__ = ["read_edt", "sniff_root", "NS", "ROOT"]

NS = "http://www.index-education.com/exportemploidutemps"
ROOT = f"{{{NS}}}ExportEmploiDuTemps"
_P = len(NS) + 2  # length of "{NS}", to get local names
# (record tag, the list element it sits in): nested elements of the same
# name (a Classe inside a Groupe, an Eleve, a Cours) are read with their record.
RECORDS = {
    "Matiere": "Matieres",
    "Professeur": "Professeurs",
    "Classe": "Classes",
    "Groupe": "Groupes",
    "Eleve": "Eleves",
    "Cours": "Cours",
    "Salle": "Salles",
}
TAGS = tuple(f"{{{NS}}}{t}" for t in (*RECORDS, "AnneeScolaire", "GrilleHoraire"))
REASONS = {"invalid_code", "invalid_date", "missing_field"}
_DIGITS = re.compile(r"^[0-9]+$")
# The root attribute that says when the export was made. formats §4 names
# none (*uncertain*): these spellings are tried in order, and the pipeline
# falls back on the file's modification time, which the exporter sets.
EXPORT_DATE_ATTRIBUTES = ("DateExport", "DateHeureExport", "DateHeure", "Date", "DateCreation")
_WEEK_ATTRIBUTES = ("Semaines", "SemainesInclusion", "SemainesAnnulation")
KIND_NAMES = {
    "Professeur": "teachers",
    "Eleve": "students",
    "Classe": "classes",
    "Groupe": "groups",
    "Cours": "courses",
    "Matiere": "subjects",
}

FIELDS = {
    EdtSubject: {"ident": "Matiere/@Ident"},
    EdtTeacher: {
        "ident": "Professeur/@Ident",
        "family_name": "Professeur/@Nom",
        "birth_date": "Professeur/@DateNaissance",
    },
    EdtClass: {"ident": "Classe/@Ident", "name": "Classe/@Nom"},
    EdtGroup: {"ident": "Groupe/@Ident", "name": "Groupe/@Nom"},
    EdtStudent: {
        "ident": "Eleve/@Ident",
        "family_name": "Eleve/@Nom",
        "birth_date": "Eleve/@DateNaissance",
        "guardians": "Responsable/@RespLegal",
    },
    EdtCourse: {"day": "Cours/@Jour", "start_place": "Cours/@NumeroPlaceDebut", "places": "Cours/@NombrePlaces"},
}


def read_edt(path: str | Path) -> EdtExport:
    """The records of a timetable export, ``.xml`` or a ``.zip`` holding one
    XML file. Raises DeliveryRejected when the whole export is refused."""
    with open_export(path) as (name, fh):
        return _Reader(name).read(fh)


def _a(elem, name: str) -> str:
    return (elem.get(name) or "").strip()


def _children(elem, local: str) -> list:
    return [c for c in elem if c.tag == f"{{{NS}}}{local}"]


class _Reader:
    def __init__(self, file: str):
        self.file = file
        self.uai = self.version = ""
        self.dates: dict | None = None
        self.grid: dict = {}
        self.records: dict[type, list] = {m: [] for m in FIELDS}
        self.declared: dict[str, set[str]] = {
            k: set() for k in ("Matiere", "Professeur", "Classe", "PartieDeClasse", "Groupe", "Eleve")
        }
        self.rejections: list[Rejection] = []
        self.refs: list[tuple[BaseModel, str, list[tuple[str, str]]]] = []  # record, id, [(kind, ident)]
        self.exported_at: datetime | None = None
        self.read_counts: dict[str, int] = {k: 0 for k in KIND_NAMES.values()}
        # Idents of the records set aside, by kind; courses by what they name.
        self.aside: dict[str, set[str]] = {k: set() for k in ("Professeur", "Eleve", "Classe", "Groupe")}
        self.aside_courses: list[EdtRefs] = []
        self.aside_names: dict[str, str] = {}
        self.ignored_parts = 0

    def read(self, fh) -> EdtExport:
        handlers = {
            "Matiere": self._subject,
            "Professeur": self._teacher,
            "Classe": self._class,
            "Groupe": self._group,
            "Eleve": self._student,
            "Cours": self._course,
        }
        for elem in iter_elements(fh, self.file, TAGS, self._check_root):
            local = elem.tag[_P:]
            parent = elem.getparent()
            if local == "AnneeScolaire":
                self._school_year(elem)
            elif local == "GrilleHoraire":
                self.grid = {
                    "places_per_day": _a(elem, "NombrePlacesParJour"),
                    "place_minutes": _a(elem, "DureePlace"),
                    "line": elem.sourceline or 0,
                }
            elif parent is not None and parent.tag[_P:] == RECORDS[local]:
                if local in handlers:
                    handlers[local](elem)
                release(elem)
        return self._export()

    # ------------------------------------------------------------------ whole-file checks

    def _check_root(self, root) -> None:
        line = root.sourceline or 0
        if root.tag != ROOT:
            raise DeliveryRejected(
                "unknown_format",
                f"root element is {root.tag!r}, expected {ROOT!r} (Index Education export ENT, clear XML)",
                self.file,
                line,
            )
        self.uai, self.version = _a(root, "UAI"), _a(root, "Version")
        if not uai_is_valid(self.uai):
            raise DeliveryRejected(
                "invalid_uai", "@UAI is not a UAI (7 digits and a valid check letter)", self.file, line
            )
        self.exported_at = _export_date(root)

    def _school_year(self, elem) -> None:
        line = elem.sourceline or 0
        dates = {}
        for attr in ("DateDebut", "DateFin", "DatePremierJourSemaine1"):
            try:
                dates[attr] = parse_date(_a(elem, attr))
            except ValueError:
                raise DeliveryRejected(
                    "invalid_date",
                    f"AnneeScolaire/@{attr} is missing or not a date (YYYY-MM-DD or DD/MM/YYYY)",
                    self.file,
                    line,
                ) from None
        if dates["DateFin"] < dates["DateDebut"]:
            raise DeliveryRejected("invalid_date", "AnneeScolaire/@DateFin is before @DateDebut", self.file, line)
        self.dates = dates

    # ------------------------------------------------------------------ records

    def _subject(self, elem) -> None:
        self._add(
            EdtSubject,
            elem,
            "Matiere",
            {"ident": _a(elem, "Ident"), "code": _a(elem, "Code"), "label": _a(elem, "Libelle")},
        )

    def _teacher(self, elem) -> None:
        self._add(
            EdtTeacher,
            elem,
            "Professeur",
            {
                "ident": _a(elem, "Ident"),
                "family_name": _a(elem, "Nom"),
                "given_name": _a(elem, "Prenom"),
                "birth_date": _a(elem, "DateNaissance"),
                "sts_id": _a(elem, "IDSTS"),
                # Older exports spell it IdPN (formats §4).
                "pronote_id": _a(elem, "IDPN") or _a(elem, "IdPN"),
                "cas_id": _a(elem, "IDCAS"),
                "line": elem.sourceline or 0,
            },
        )

    def _class(self, elem) -> None:
        parts = tuple(_a(p, "Ident") for p in _children(elem, "PartieDeClasse"))
        # Parts are declared even when the class is set aside: what names them
        # is then not reported a second time.
        self.declared["PartieDeClasse"].update(parts)
        self._add(
            EdtClass,
            elem,
            "Classe",
            {"ident": _a(elem, "Ident"), "name": _a(elem, "Nom"), "parts": parts, "line": elem.sourceline or 0},
        )

    def _group(self, elem) -> None:
        classes = tuple(_a(c, "Ident") for c in _children(elem, "Classe"))
        parts = tuple(_a(p, "Ident") for p in _children(elem, "PartieDeClasse"))
        self._add(
            EdtGroup,
            elem,
            "Groupe",
            {
                "ident": _a(elem, "Ident"),
                "name": _a(elem, "Nom"),
                "classes": classes,
                "parts": parts,
                "line": elem.sourceline or 0,
            },
            [("Classe", c) for c in classes] + [("PartieDeClasse", p) for p in parts],
        )

    def _student(self, elem) -> None:
        classes = _children(elem, "Classe")
        parts = tuple(_a(p, "Ident") for p in _children(elem, "PartieDeClasse"))
        guardians = tuple(
            {"resp_legal": _a(r, "RespLegal"), "family_name": _a(r, "Nom"), "given_name": _a(r, "Prenom")}
            for r in _children(elem, "Responsable")
        )
        self._add(
            EdtStudent,
            elem,
            "Eleve",
            {
                "ident": _a(elem, "Ident"),
                "family_name": _a(elem, "Nom"),
                "given_name": _a(elem, "Prenom"),
                "birth_date": _a(elem, "DateNaissance"),
                "sex": _a(elem, "Sexe"),
                "ine": _a(elem, "NumeroNational"),
                "eleve_id": _a(elem, "IDSconet"),
                "class_ident": _current_class(classes),
                "parts": parts,
                "guardians": guardians,
                "line": elem.sourceline or 0,
            },
            [("Classe", _a(c, "Ident")) for c in classes] + [("PartieDeClasse", p) for p in parts],
        )

    def _course(self, elem) -> None:
        line = elem.sourceline or 0
        record_id = _a(elem, "Ident")  # not in formats §4; the line locates the course when absent
        by_kind: dict[str, list[str]] = {
            k: [] for k in ("Matiere", "Professeur", "Classe", "PartieDeClasse", "Groupe", "Salle")
        }
        masks: dict[str, list[int]] = {a: [] for a in _WEEK_ATTRIBUTES}
        replacing = []
        refs = EdtRefs(line=line)
        bad = None
        for child in (elem, *elem):
            local = child.tag[_P:] if isinstance(child.tag, str) else ""
            if child is not elem and local in by_kind:
                by_kind[local].append(_a(child, "Ident"))
            for attr in _WEEK_ATTRIBUTES:
                weeks = child.get(attr)
                if weeks is None:
                    continue  # every child but Matiere carries @Semaines (formats §4); one without adds no week
                weeks = weeks.strip()
                if not _DIGITS.match(weeks) or int(weeks) >= 1 << MAX_WEEKS:
                    bad = bad or (f"{local}/@{attr}", f"@{attr} is not an unsigned {MAX_WEEKS}-bit integer")
                    continue
                # Week n is the value 2**n: bit 0 is unused, a set one is ignored.
                masks[attr].append(int(weeks) & ~1)
                if attr == "SemainesInclusion" and local == "Professeur":
                    replacing.append(_a(child, "Ident"))
        refs = EdtRefs(
            line=line,
            subject=by_kind["Matiere"][0] if by_kind["Matiere"] else None,
            teachers=tuple(by_kind["Professeur"]),
            classes=tuple(by_kind["Classe"]),
            groups=tuple(by_kind["Groupe"]),
        )
        self.read_counts["courses"] += 1
        involved = any(by_kind[k] for k in ("Professeur", "Classe", "PartieDeClasse", "Groupe"))
        if bad is None and involved and not masks["Semaines"]:
            bad = ("@Semaines", "no element of the course carries @Semaines")
        if bad is not None:
            self._reject("invalid_weeks", line, record_id, *bad)
            self.aside_courses.append(refs)
            return
        # Each child carries its own mask (a teacher may come every other week,
        # a part only in some weeks); the course keeps their union, i.e. the
        # weeks in which anything of it takes place. Who attends in which week
        # is lost: a reader needing it must split the course by distinct masks
        # as the ENT feeders do.
        union = lambda attr: reduce(or_, masks[attr], 0)  # noqa: E731
        data = {
            "day": _a(elem, "Jour"),
            "start_place": _a(elem, "NumeroPlaceDebut"),
            "places": _a(elem, "NombrePlaces"),
            # A course names one subject; a second Matiere, if any, is ignored.
            "subject": refs.subject,
            "teachers": tuple(by_kind["Professeur"]),
            "classes": tuple(by_kind["Classe"]),
            "parts": tuple(by_kind["PartieDeClasse"]),
            "groups": tuple(by_kind["Groupe"]),
            # Rooms are kept but not checked: they never reach the directory.
            "rooms": tuple(by_kind["Salle"]),
            "weeks": union("Semaines"),
            "cancelled": union("SemainesAnnulation"),
            "included": union("SemainesInclusion"),
            "replacing": tuple(replacing),
            "line": line,
        }
        if not by_kind["Matiere"]:
            self._reject("missing_field", line, record_id, "Cours/Matiere", "a course names its subject")
            self.aside_courses.append(refs)
            return
        ref_list = [
            (kind, ident)
            for kind in ("Matiere", "Professeur", "Classe", "PartieDeClasse", "Groupe")
            for ident in by_kind[kind]
        ]
        if self._add(EdtCourse, elem, "", data, ref_list, record_id=record_id) is None:
            self.aside_courses.append(refs)

    # ------------------------------------------------------------------ assembling

    def _add(self, model, elem, kind: str, data: dict, refs=(), record_id: str | None = None):
        """The validated record, kept; None when it is set aside."""
        line = elem.sourceline or 0
        rid = data.get("ident", "") if record_id is None else record_id
        if kind:
            self.read_counts[KIND_NAMES[kind]] += 1
            if rid and rid in self.declared[kind]:
                self._reject("duplicate_id", line, rid, f"{kind}/@Ident", "ident already declared in this export")
                return None
            self.declared[kind].add(rid)
        try:
            record = model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            name = str(err["loc"][0]) if err["loc"] else ""
            reason = err["type"] if err["type"] in REASONS else "invalid_value"
            self._reject(reason, line, rid, FIELDS[model].get(name, name), err["msg"])
            if kind in self.aside:
                self.aside[kind].add(rid)
                if kind in ("Classe", "Groupe"):
                    self.aside_names[rid] = str(data.get("name", ""))[:64]  # a code as written, not personal data
            return None
        self.records[model].append(record)
        if refs:
            self.refs.append((record, rid, list(refs)))
        return record

    def _export(self) -> EdtExport:
        if self.dates is None:
            raise DeliveryRejected("invalid_date", "the export has no AnneeScolaire (school-year dates)", self.file)
        header = EdtHeader(
            uai=self.uai,
            version=self.version,
            exported_at=self.exported_at,
            starts_on=self.dates["DateDebut"],
            ends_on=self.dates["DateFin"],
            first_week_day=self.dates["DatePremierJourSemaine1"],
            **self._grid(),
        )
        # References are checked once every ident is declared: the export does
        # not promise its sections' order. Groups first: a course on a group
        # set aside goes with it.
        replaced: dict[int, BaseModel] = {}
        dropped: set[int] = set()
        for record, rid, refs in sorted(self.refs, key=lambda r: not isinstance(r[0], EdtGroup)):
            undeclared_parts = {i for k, i in refs if k == "PartieDeClasse" and i not in self.declared[k]}
            unknown = next(((k, i) for k, i in refs if k != "PartieDeClasse" and i not in self.declared[k]), None)
            aside = next(((k, i) for k, i in refs if k in ("Classe", "Groupe") and i in self.aside[k]), None)
            what = type(record).__name__[3:].lower()
            if unknown is not None:
                kind, ident = unknown
                self._reject(
                    "unknown_reference",
                    record.line,
                    rid,
                    f"{kind}/@Ident",
                    f"{what} refers to {kind} ident {ident!r}, not declared in the export",
                )
            elif aside is not None and not isinstance(record, EdtStudent):
                # A student keeps its record: its class is set aside, not the student.
                kind, ident = aside
                self._reject(
                    "structure_set_aside",
                    record.line,
                    rid,
                    f"{kind}/@Ident",
                    f"{what} is made of or given to {kind} ident {ident!r}, set aside",
                )
            else:
                if undeclared_parts:
                    # Parts never reach the ENT (formats §4): a part no class
                    # declares is dropped, not an error.
                    self.ignored_parts += len(undeclared_parts)
                    replaced[id(record)] = record.model_copy(
                        update={"parts": tuple(p for p in record.parts if p not in undeclared_parts)}
                    )
                continue
            dropped.add(id(record))
            self._set_aside(record, rid)
        kept = {m: tuple(replaced.get(id(r), r) for r in rs if id(r) not in dropped) for m, rs in self.records.items()}
        courses = kept[EdtCourse]
        aside = EdtSetAside(
            teachers=tuple(sorted(self.aside["Professeur"])),
            students=tuple(sorted(self.aside["Eleve"])),
            classes=tuple(sorted(self.aside["Classe"])),
            groups=tuple(sorted(self.aside["Groupe"])),
            courses=tuple(self.aside_courses),
            names=dict(sorted(self.aside_names.items())),
        )
        return EdtExport(
            header=header,
            subjects=kept[EdtSubject],
            teachers=kept[EdtTeacher],
            classes=kept[EdtClass],
            groups=kept[EdtGroup],
            students=kept[EdtStudent],
            courses=courses,
            rejections=tuple(sorted(self.rejections, key=lambda r: r.line)),
            set_aside=aside,
            read=dict(self.read_counts),
            subject_only=sum(1 for c in courses if c.subject_only),
            ignored_parts=self.ignored_parts,
        )

    def _set_aside(self, record, rid: str) -> None:
        if isinstance(record, EdtCourse):
            self.aside_courses.append(
                EdtRefs(
                    line=record.line,
                    subject=record.subject,
                    teachers=record.teachers,
                    classes=record.classes,
                    groups=record.groups,
                )
            )
        else:
            kind = {EdtGroup: "Groupe", EdtStudent: "Eleve", EdtTeacher: "Professeur", EdtClass: "Classe"}.get(
                type(record)
            )
            if kind:
                self.aside[kind].add(rid)
            if kind in ("Classe", "Groupe"):
                self.aside_names[rid] = record.name

    def _grid(self) -> dict:
        out = {}
        for name, attr in (("places_per_day", "NombrePlacesParJour"), ("place_minutes", "DureePlace")):
            value = self.grid.get(name, "")
            if value and not _DIGITS.match(value):
                self._reject(
                    "invalid_value",
                    self.grid["line"],
                    self.uai,
                    f"GrilleHoraire/@{attr}",
                    "not a whole number; left empty",
                )
                value = ""
            out[name] = int(value) if value else None
        return out

    def _reject(self, reason: str, line: int, record_id: str, field: str, message: str) -> None:
        self.rejections.append(Rejection(reason, self.file, line, record_id, field, message))


def _export_date(root) -> datetime | None:
    """When the export was made, from the first root attribute of
    EXPORT_DATE_ATTRIBUTES that reads as a date and time (ISO 8601 or
    ``DD/MM/YYYY[ HH:MM[:SS]]``); None when there is none."""
    for attr in EXPORT_DATE_ATTRIBUTES:
        value = _a(root, attr)
        if not value:
            continue
        for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                pass
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            continue
    return None


def _current_class(classes: list) -> str | None:
    """The class of a student listed in several (a change during the year,
    each with @DateEntree/@DateSortie): the latest entry; ties and unreadable
    dates go to the last listed."""
    best, best_key = None, None
    for i, c in enumerate(classes):
        try:
            entered = parse_date(_a(c, "DateEntree")).toordinal()
        except ValueError:
            entered = 0
        if best_key is None or (entered, i) >= best_key:
            best, best_key = _a(c, "Ident") or None, (entered, i)
    return best
