"""The records of a timetable export validated as they are read, their
references checked once every ident is declared, and the export assembled.

A timetable applies what it can (domain-rules §12): one record is set aside
(Rejection) for a class/group name breaking the code rules (domain-rules
§2), a reference to an undeclared ident, a bad ``@Semaines``; a course or a
group made of a class or group set aside is set aside with it. What is *not*
an error (formats §4, seen in real exports): a course holding only a subject
(valid under Index's XSD), and a reference to a class part that no class
declares (parts never reach the ENT) — it is dropped and counted.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from adapters.errors import Rejection
from adapters.timetable.records import (
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

REASONS = {"invalid_code", "invalid_date", "missing_field"}
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


class Assembly:
    """What one export's reader has kept, set aside and counted so far."""

    def __init__(self, file: str):
        self.file = file
        self.records: dict[type, list] = {m: [] for m in FIELDS}
        self.declared: dict[str, set[str]] = {
            k: set() for k in ("Matiere", "Professeur", "Classe", "PartieDeClasse", "Groupe", "Eleve")
        }
        self.rejections: list[Rejection] = []
        self.refs: list[tuple[BaseModel, str, list[tuple[str, str]]]] = []  # record, id, [(kind, ident)]
        self.read_counts: dict[str, int] = {k: 0 for k in KIND_NAMES.values()}
        # Idents of the records set aside, by kind; courses by what they name.
        self.aside: dict[str, set[str]] = {k: set() for k in ("Professeur", "Eleve", "Classe", "Groupe")}
        self.aside_courses: list[EdtRefs] = []
        self.aside_names: dict[str, str] = {}
        self.ignored_parts = 0

    def add(self, model, line: int, kind: str, data: dict, refs=(), record_id: str | None = None):
        """The validated record, kept; None when it is set aside."""
        rid = data.get("ident", "") if record_id is None else record_id
        if kind:
            self.read_counts[KIND_NAMES[kind]] += 1
            if rid and rid in self.declared[kind]:
                self.reject("duplicate_id", line, rid, f"{kind}/@Ident", "ident already declared in this export")
                return None
            self.declared[kind].add(rid)
        try:
            record = model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            name = str(err["loc"][0]) if err["loc"] else ""
            reason = err["type"] if err["type"] in REASONS else "invalid_value"
            self.reject(reason, line, rid, FIELDS[model].get(name, name), err["msg"])
            if kind in self.aside:
                self.aside[kind].add(rid)
                if kind in ("Classe", "Groupe"):
                    self.aside_names[rid] = str(data.get("name", ""))[:64]  # a code as written, not personal data
            return None
        self.records[model].append(record)
        if refs:
            self.refs.append((record, rid, list(refs)))
        return record

    def export(self, header: EdtHeader) -> EdtExport:
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
                self.reject(
                    "unknown_reference",
                    record.line,
                    rid,
                    f"{kind}/@Ident",
                    f"{what} refers to {kind} ident {ident!r}, not declared in the export",
                )
            elif aside is not None and not isinstance(record, EdtStudent):
                # A student keeps its record: its class is set aside, not the student.
                kind, ident = aside
                self.reject(
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

    def reject(self, reason: str, line: int, record_id: str, field: str, message: str) -> None:
        self.rejections.append(Rejection(reason, self.file, line, record_id, field, message))
