"""The AAF records of the académie's establishments, nomenclatures and
people (default layout), and the delta operations between two record sets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..academie.model import Academie, Etab, Population
from ..academie.nomenclature import SUBJECTS
from .layout import Record


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
