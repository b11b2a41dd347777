"""Streaming reader of the Index Education EDT/Pronote "export ENT" clear XML
(formats §4; root ``ExportEmploiDuTemps`` in namespace
``http://www.index-education.com/exportemploidutemps``, UTF-8, data in
attributes) into validated records. UDT (UnDeuxTemps) is another reader.

Pure: format → records and rejections, no database, no event. The whole
export is refused (DeliveryRejected) only when it cannot be read: not
well-formed, another root or namespace, an invalid UAI (domain-rules §2),
unreadable school-year dates (header.py). The 15-July rule is the
pipeline's (the first import of a year shows it before any refusal,
domain-rules §12). This module walks the XML and reads each element;
assembly.py validates the records and sets aside what it must, weeks.py
reads the courses' week masks.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from adapters.errors import DeliveryRejected
from adapters.timetable.assembly import Assembly
from adapters.timetable.header import export_date, grid_values, read_grid, school_year
from adapters.timetable.records import (
    EdtClass,
    EdtCourse,
    EdtExport,
    EdtGroup,
    EdtHeader,
    EdtRefs,
    EdtStudent,
    EdtSubject,
    EdtTeacher,
)
from adapters.timetable.weeks import CourseWeeks
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
        self.dates: dict[str, date] | None = None
        self.grid: dict = {}
        self.exported_at: datetime | None = None
        self.book = Assembly(file)

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
                self.dates = school_year(elem, self.file)
            elif local == "GrilleHoraire":
                self.grid = read_grid(elem)
            elif parent is not None and parent.tag[_P:] == RECORDS[local]:
                if local in handlers:
                    handlers[local](elem)
                release(elem)
        return self._export()

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
        self.exported_at = export_date(root)

    def _export(self) -> EdtExport:
        if self.dates is None:
            raise DeliveryRejected("invalid_date", "the export has no AnneeScolaire (school-year dates)", self.file)
        grid, rejections = grid_values(self.grid, self.file, self.uai)
        self.book.rejections.extend(rejections)
        header = EdtHeader(
            uai=self.uai,
            version=self.version,
            exported_at=self.exported_at,
            starts_on=self.dates["DateDebut"],
            ends_on=self.dates["DateFin"],
            first_week_day=self.dates["DatePremierJourSemaine1"],
            **grid,
        )
        return self.book.export(header)

    def _add(self, model, elem, kind: str, data: dict, refs=()) -> None:
        self.book.add(model, elem.sourceline or 0, kind, data, refs)

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
        self.book.declared["PartieDeClasse"].update(parts)
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
        weeks = CourseWeeks()
        for child in (elem, *elem):
            local = child.tag[_P:] if isinstance(child.tag, str) else ""
            if child is not elem and local in by_kind:
                by_kind[local].append(_a(child, "Ident"))
            weeks.read(child, local)
        refs = EdtRefs(
            line=line,
            subject=by_kind["Matiere"][0] if by_kind["Matiere"] else None,
            teachers=tuple(by_kind["Professeur"]),
            classes=tuple(by_kind["Classe"]),
            groups=tuple(by_kind["Groupe"]),
        )
        self.book.read_counts["courses"] += 1
        bad = weeks.problem(any(by_kind[k] for k in ("Professeur", "Classe", "PartieDeClasse", "Groupe")))
        if bad is not None:
            self.book.reject("invalid_weeks", line, record_id, *bad)
            self.book.aside_courses.append(refs)
            return
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
            "weeks": weeks.union("Semaines"),
            "cancelled": weeks.union("SemainesAnnulation"),
            "included": weeks.union("SemainesInclusion"),
            "replacing": tuple(weeks.replacing),
            "line": line,
        }
        if not by_kind["Matiere"]:
            self.book.reject("missing_field", line, record_id, "Cours/Matiere", "a course names its subject")
            self.book.aside_courses.append(refs)
            return
        ref_list = [
            (kind, ident)
            for kind in ("Matiere", "Professeur", "Classe", "PartieDeClasse", "Groupe")
            for ident in by_kind[kind]
        ]
        if self.book.add(EdtCourse, line, "", data, ref_list, record_id=record_id) is None:
            self.book.aside_courses.append(refs)


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
