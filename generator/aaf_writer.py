"""AAF (``ficAlimMENESR``) serialisation of the synthetic académie, streamed.

Records are plain ``(identifier, values)`` pairs where ``values`` is a tuple of
value-tuples aligned with :data:`ATTRIBUTES` of the category: building them
(:func:`etab_record`, :func:`population_records`) is separate from writing
them (:class:`PartWriter`), so that a delta is just a diff of two record sets.

Writing never builds a tree: each record becomes one string that goes to a
text stream whose codec does the work in C (``xmlcharrefreplace`` turns the
characters the declared encoding lacks, like ``œ`` in ISO-8859-1, into
numeric character references; ``newline`` gives CRLF files).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Iterator

from .academie.model import Academie, Etab, Population
from .academie.nomenclature import SUBJECTS

CATEGORIES = ("EtabEducNat", "MatiereEducNat", "MefEducNat", "Eleve", "PersRelEleve", "PersEducNat")
OPERATIONAL = {
    "EtabEducNat": ("categorieStructure", "EtabEducNat"),
    "MatiereEducNat": ("categorieMatiere", "MatEducNat"),
    "MefEducNat": ("categorieMef", "MefEducNat"),
    "Eleve": ("categoriePersonne", "Eleve"),
    "PersRelEleve": ("categoriePersonne", "PersRelEleve"),
    "PersEducNat": ("categoriePersonne", "PersEducNat"),
}
ATTRIBUTES = {
    "EtabEducNat": (
        "ENTStructureJointure",
        "ENTStructureUAI",
        "ENTStructureNomCourant",
        "ENTStructureTypeStruct",
        "ENTEtablissementContrat",
        "ENTServAcAcademie",
        "street",
        "postalCode",
        "l",
        "telephoneNumber",
        "ENTStructureClasses",
        "ENTStructureGroupes",
    ),
    "MatiereEducNat": ("ENTMatJointure", "ENTLibelleMatiere"),
    "MefEducNat": ("ENTMefJointure", "ENTLibelleMef"),
    "Eleve": (
        "ENTPersonJointure",
        "ENTEleveStructRattachId",
        "ENTEleveINE",
        "personalTitle",
        "sn",
        "givenName",
        "ENTPersonNomPatro",
        "ENTPersonAutresPrenoms",
        "ENTPersonDateNaissance",
        "ENTPersonStructRattach",
        "ENTEleveClasses",
        "ENTEleveGroupes",
        "ENTEleveMEF",
        "ENTEleveLibelleMEF",
        "ENTEleveCodeEnseignements",
        "ENTEleveEnseignements",
        "ENTEleveStatutEleve",
        "ENTEleveBoursier",
        "ENTEleveRegime",
        "ENTElevePersRelEleve",
        "ENTEleveAutoriteParentale",
        "mail",
        "homePhone",
    ),
    "PersRelEleve": (
        "ENTPersonJointure",
        "personalTitle",
        "sn",
        "givenName",
        "ENTPersonNomPatro",
        "ENTPersonDateNaissance",
        "homePhone",
        "telephoneNumber",
        "mobile",
        "mail",
        "ENTPersonAdresse",
        "ENTPersonCodePostal",
        "ENTPersonVille",
        "ENTPersonPays",
        "ENTAuxPersRelEleveEleve",
    ),
    "PersEducNat": (
        "ENTPersonJointure",
        "personalTitle",
        "sn",
        "givenName",
        "ENTPersonNomPatro",
        "ENTPersonDateNaissance",
        "mail",
        "ENTPersonStructRattach",
        "ENTPersonFonctions",
        "PersEducNatPresenceDevantEleves",
        "ENTPersonCategorieEnseignant",
        "ENTAuxEnsClasses",
        "ENTAuxEnsGroupes",
        "ENTAuxEnsClassesMatieres",
        "ENTAuxEnsGroupesMatieres",
        "ENTAuxEnsClassesPrincipal",
        "ENTAuxEnsMatiereEnseignEtab",
        "ENTPersonSTSId",
    ),
}
# --encoding choice -> (name in the XML declaration, Python codec, CRLF line ends)
ENCODINGS = {
    "iso-8859-1": ("ISO-8859-1", "latin-1", True),
    "iso-8859-15": ("ISO-8859-15", "iso8859_15", False),
    "utf-8": ("UTF-8", "utf-8", False),
}
FORMAT_VERSION = "AAF-VE1803"
HEADER = f'<!-- versionAF="{FORMAT_VERSION}" -->\n'
EMPTY = "<value/>"

Values = tuple[tuple[str, ...], ...]
Record = tuple[str, Values]


# --------------------------------------------------------------------------- model -> records


def _uniq(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def etab_record(acad: Academie, e: Etab) -> Record:
    """The ``EtabEducNat`` record of an establishment."""
    classes = tuple(f"{d.code}${d.label}${d.stream.mef}" for d in e.divisions)
    groups = tuple(f"{g.code}${g.label}${'$'.join(g.classes)}" for g in e.groups)
    return e.sj, (
        (e.sj,),
        (e.uai,),
        (e.name,),
        (e.type_struct,),
        (e.contract,),
        (acad.name,),
        (e.street,),
        (e.postal_code,),
        (e.city,),
        (e.phone,),
        classes,
        groups,
    )


def subject_records() -> list[Record]:
    """``MatiereEducNat`` records (the same nomenclature for the whole académie)."""
    return [(code, ((code,), (label,))) for code, (label, _, _) in SUBJECTS.items()]


def mef_records(acad: Academie) -> list[Record]:
    """``MefEducNat`` records of the MEFs used by the académie's classes."""
    return [(code, ((code,), (label,))) for code, label in acad.mefs()]


def population_records(pop: Population) -> dict[str, list[Record]]:
    """Eleve, PersRelEleve and PersEducNat records of one establishment's people."""
    sj = pop.etab.sj
    group_subject = {g.code: g.subject for g in pop.etab.groups}
    children: dict[str, list[str]] = {}
    eleves = []
    for s in pop.students:
        subjects = ("030201",) + tuple(group_subject[g] for g in s.groups)
        for rel in s.rels:
            children.setdefault(rel[0], []).append(s.jointure)
        eleves.append(
            (
                s.jointure,
                (
                    (s.jointure,),
                    (s.eleve_id,),
                    (s.ine,),
                    (s.title,),
                    (s.sn,),
                    (s.given,),
                    (s.patro,),
                    s.other_given,
                    (s.birth,),
                    (sj,),
                    (f"{sj}${s.division}",),
                    tuple(f"{sj}${g}" for g in s.groups),
                    (s.stream.mef,),
                    (s.stream.mef_label,),
                    subjects,
                    tuple(SUBJECTS[c][0] for c in subjects),
                    (s.statut,),
                    (s.boursier,),
                    (s.regime,),
                    tuple("$".join(rel) for rel in s.rels),
                    tuple(rel[0] for rel in s.rels if rel[3] == "1"),
                    ("",),
                    ("",),
                ),
            )
        )
    guardians = [
        (
            g.jointure,
            (
                (g.jointure,),
                (g.title,),
                (g.sn,),
                (g.given,),
                (g.patro,),
                ("",),
                (g.home,),
                (g.work,),
                (g.mobile,),
                (g.mail,),
                ("$".join(g.address),),
                (g.postal,),
                (g.city,),
                (g.country,),
                tuple(children.get(g.jointure, ())),
            ),
        )
        for g in pop.guardians
    ]
    staff = []
    for p in pop.staff:
        classes = [x for x in p.services if not x[2]]
        groups = [x for x in p.services if x[2]]
        staff.append(
            (
                p.jointure,
                (
                    (p.jointure,),
                    (p.title,),
                    (p.sn,),
                    (p.given,),
                    (p.patro,),
                    (p.birth,),
                    (p.mail,),
                    (p.rattach,),
                    tuple("$".join(f) for f in p.functions),
                    (p.presence,),
                    ("O" if p.teacher else "N",),
                    _uniq(f"{s}${c}" for s, c, _, _ in classes),
                    _uniq(f"{s}${c}" for s, c, _, _ in groups),
                    _uniq(f"{s}${c}${m}" for s, c, _, m in classes),
                    _uniq(f"{s}${c}${m}" for s, c, _, m in groups),
                    tuple(f"{s}${c}" for s, c in p.principal),
                    _uniq(f"{s}${m}" for s, _, _, m in p.services),
                    (p.sts_id,),
                ),
            )
        )
    return {"Eleve": eleves, "PersRelEleve": guardians, "PersEducNat": staff}


def diff(old: list[Record], new: list[Record]) -> Iterator[tuple[str, str, object]]:
    """Delta operations turning ``old`` into ``new``: (op, id, payload), deletes first.

    ``payload`` is the full values for ``add``, the changed ``(index, values)``
    pairs for ``modify`` (replace semantics: the attribute's new full list).
    """
    new_by_id = dict(new)
    old_ids = set()
    for ident, _values in old:
        old_ids.add(ident)
        if ident not in new_by_id:
            yield "delete", ident, None
    for ident, values in old:
        after = new_by_id.get(ident)
        if after is not None and after != values:
            yield "modify", ident, [(i, v) for i, (u, v) in enumerate(zip(values, after)) if u != v]
    for ident, values in new:
        if ident not in old_ids:
            yield "add", ident, values


# --------------------------------------------------------------------------- XML


def _esc(v: str) -> str:
    if "&" in v or "<" in v or ">" in v:
        return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return v


def _values(vals: tuple[str, ...], empty_item: str = EMPTY) -> str:
    if len(vals) == 1:
        v = vals[0]
        return f"<value>{_esc(v)}</value>" if v else "<value/>"
    if not vals:
        return "<value/>"  # every attribute is present, even when empty
    return "".join(f"<value>{_esc(v)}</value>" if v else empty_item for v in vals)


class PartWriter:
    """Writes one category of one delivery as numbered part files of at most ``part_size`` records.

    ``names`` (the attribute layout of the format version, default
    :data:`ATTRIBUTES`), ``header`` (the comment lines after the DOCTYPE) and
    ``empty_item`` (how an empty value inside a list is spelled) come from
    ``shapes`` when the delivery is not of the default shape.
    """

    def __init__(
        self,
        directory: str,
        stem: str,
        category: str,
        part_size: int,
        encoding: str,
        shuffle: random.Random | None = None,
        names: tuple[str, ...] | None = None,
        header: str = HEADER,
        empty_item: str = EMPTY,
    ):
        self.directory, self.stem, self.category, self.part_size = directory, stem, category, part_size
        self.decl, self.codec, crlf = ENCODINGS[encoding]
        self.newline = "\r\n" if crlf else "\n"
        self.shuffle = shuffle
        self.names = ATTRIBUTES[category] if names is None else names
        self.header, self.empty_item = header, empty_item
        name, value = OPERATIONAL[category]
        self.op = f'<operationalAttributes><attr name="{name}"><value>{value}</value></attr></operationalAttributes>\n'
        self.attr_open = [f'<attr name="{n}">' for n in self.names]
        self.mod_open = [f'<modification name="{n}" operation="replace">' for n in self.names]
        self.fh = None
        self.parts = 0  # files written so far
        self.in_part = 0  # records in the open file
        self.counts = {"add": 0, "modify": 0, "delete": 0}
        self.bytes = 0

    def _order(self, n: int) -> list[int] | range:
        if self.shuffle is None:
            return range(n)
        order = list(range(n))
        self.shuffle.shuffle(order)
        return order

    def _emit(self, text: str, kind: str) -> None:
        if self.fh is None or self.in_part >= self.part_size:
            self._open_next()
        self.fh.write(text)
        self.in_part += 1
        self.counts[kind] += 1

    def _open_next(self) -> None:
        self._close_part()
        path = os.path.join(self.directory, f"{self.stem}_{self.parts:04d}.xml")
        self.fh = open(
            path, "w", encoding=self.codec, errors="xmlcharrefreplace", newline=self.newline, buffering=1 << 20
        )
        self.path = path
        self.fh.write(
            f'<?xml version="1.0" encoding="{self.decl}"?>\n'
            '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
            f"{self.header}<ficAlimMENESR>\n"
        )
        self.parts += 1
        self.in_part = 0

    def _close_part(self) -> None:
        if self.fh is not None:
            self.fh.write("</ficAlimMENESR>\n")
            self.fh.close()
            self.bytes += os.path.getsize(self.path)
            self.fh = None

    def add(self, ident: str, values: Values) -> None:
        """Write an ``addRequest`` carrying every attribute."""
        empty = self.empty_item
        attrs = "".join(f"{self.attr_open[i]}{_values(values[i], empty)}</attr>\n" for i in self._order(len(values)))
        self._emit(
            f"<addRequest>\n{self.op}<identifier><id>{ident}</id></identifier>\n"
            f"<attributes>\n{attrs}</attributes>\n</addRequest>\n",
            "add",
        )

    def modify(self, ident: str, changes: list[tuple[int, tuple[str, ...]]]) -> None:
        """Write a ``modifyRequest`` replacing the full value list of each changed attribute."""
        empty = self.empty_item
        mods = "".join(
            f"{self.mod_open[changes[k][0]]}{_values(changes[k][1], empty)}</modification>\n"
            for k in self._order(len(changes))
        )
        self._emit(
            f"<modifyRequest>\n{self.op}<identifier><id>{ident}</id></identifier>\n"
            f"<modifications>\n{mods}</modifications>\n</modifyRequest>\n",
            "modify",
        )

    def delete(self, ident: str) -> None:
        """Write a ``deleteRequest`` (operational attributes and identifier only)."""
        self._emit(f"<deleteRequest>\n{self.op}<identifier><id>{ident}</id></identifier>\n</deleteRequest>\n", "delete")

    def write_ops(self, ops: Iterable[tuple[str, str, object]]) -> None:
        """Write the operations produced by :func:`diff`."""
        for op, ident, payload in ops:
            if op == "add":
                self.add(ident, payload)
            elif op == "modify":
                self.modify(ident, payload)
            else:
                self.delete(ident)

    def close(self) -> None:
        """Finish the last part; a category with no record still gets an empty part 0000."""
        if self.parts == 0:
            self._open_next()
        self._close_part()
