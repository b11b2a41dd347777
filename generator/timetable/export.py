"""The clear ``ExportEmploiDuTemps`` XML of a :class:`~.model.Timetable`."""

from __future__ import annotations

import os

from ..xml_files import UTF_8, escape, write_xml
from .model import EDT_SHAPES, PLACES, PLACES_PER_DAY, Timetable, subject_only
from .weeks import week_domain

EDT_NS = "http://www.index-education.com/exportemploidutemps"


def _pronote_id(ident: str) -> str:
    """A teacher's Pronote id (``IdPN``) in a legacy export: stable per ident (the form is *uncertain*)."""
    return f"EDT${ident}"


def edt_xml(t: Timetable, shape: str | None = None) -> str:
    """Serialise a :class:`Timetable` as the clear ``ExportEmploiDuTemps`` XML,
    in ``shape`` (default: the timetable's own, :data:`EDT_SHAPES`). Every
    element carrying ``@Semaines`` is followed, on its line, by the exporter's
    decoding ``<!--Domaine : [...]-->``."""
    shape = shape or t.shape
    if shape not in EDT_SHAPES:
        raise ValueError(f"unknown timetable shape {shape!r}; choose among {', '.join(EDT_SHAPES)}")
    a = lambda v: escape(v)  # noqa: E731
    out = [
        f'<ExportEmploiDuTemps xmlns="{EDT_NS}" Version="{EDT_SHAPES[shape]}" UAI="{t.uai}">\n'
        f'  <AnneeScolaire DateDebut="{t.start.isoformat()}" DateFin="{t.end.isoformat()}" '
        f'DatePremierJourSemaine1="{t.week1.isoformat()}"/>\n'
        f'  <GrilleHoraire NombrePlacesParJour="{PLACES_PER_DAY}" DureePlace="55">\n    <PlacesParJour>\n'
    ]
    for i, h in enumerate(PLACES):
        hh, mm = map(int, h.split(":"))
        fin = f"{(hh * 60 + mm + 55) // 60:02d}:{(mm + 55) % 60:02d}"
        out.append(f'      <Place Numero="{i}" LibelleHeureDebut="{h}" LibelleHeureFin="{fin}"/>\n')
    out.append("    </PlacesParJour>\n  </GrilleHoraire>\n  <Matieres>\n")
    out += [f'    <Matiere Ident="{i}" Code="{a(c)}" Libelle="{a(lbl)}"/>\n' for i, c, lbl in t.subjects]
    out.append("  </Matieres>\n  <Professeurs>\n")
    if shape == "legacy":  # older exports: no IDSTS, no birth date, the Pronote id spelt IdPN (formats §4)
        out += [
            f'    <Professeur Ident="{i}" Nom="{a(n)}" Prenom="{a(p)}" IdPN="{a(_pronote_id(i))}"/>\n'
            for i, n, p, _b, _s in t.teachers
        ]
    else:
        out += [
            f'    <Professeur Ident="{i}" Nom="{a(n)}" Prenom="{a(p)}" DateNaissance="{b}" IDSTS="{s}"/>\n'
            for i, n, p, b, s in t.teachers
        ]
    out.append("  </Professeurs>\n  <Salles>\n")
    out += [f'    <Salle Ident="{i}" Nom="{n}"/>\n' for i, n in t.rooms]
    out.append("  </Salles>\n  <Classes>\n")
    for i, n, parts in t.classes:
        if parts:
            out.append(
                f'    <Classe Ident="{i}" Nom="{a(n)}">\n'
                + "".join(f'      <PartieDeClasse Ident="{p}"/>\n' for p in parts)
                + "    </Classe>\n"
            )
        else:
            out.append(f'    <Classe Ident="{i}" Nom="{a(n)}"/>\n')
    out.append("  </Classes>\n  <Groupes>\n")
    for i, n, cls, parts in t.groups:
        out.append(
            f'    <Groupe Ident="{i}" Nom="{a(n)}">\n'
            + "".join(f'      <Classe Ident="{c}"/>\n' for c in cls)
            + "".join(f'      <PartieDeClasse Ident="{p}"/>\n' for p in parts)
            + "    </Groupe>\n"
        )
    out.append("  </Groupes>\n  <Eleves>\n")
    for s in t.students:
        out.append(
            f'    <Eleve Ident="{s["ident"]}" Nom="{a(s["nom"])}" Prenom="{a(s["prenom"])}" '
            f'DateNaissance="{s["birth"]}" Sexe="{s["sexe"]}" NumeroNational="{s["ine"]}" '
            f'IDSconet="{s["eleve_id"]}">\n'
        )
        out += [
            f'      <Classe Ident="{c}" DateEntree="{e.isoformat()}" DateSortie="{x.isoformat()}"/>\n'
            for c, e, x in s["classes"]
        ]
        for part in (s["part"], s.get("stray_part")):
            if part:
                c, e, x = s["classes"][0]
                out.append(
                    f'      <PartieDeClasse Ident="{part}" DateEntree="{e.isoformat()}" '
                    f'DateSortie="{x.isoformat()}"/>\n'
                )
        out += [f'      <Responsable RespLegal="{k}" Nom="{a(n)}" Prenom="{a(p)}"/>\n' for k, n, p in s["resp"]]
        out.append("    </Eleve>\n")
    out.append("  </Eleves>\n  <Cours>\n")
    for c in t.courses:
        out.append(f'    <Cours Jour="{c.day}" NumeroPlaceDebut="{c.place}" NombrePlaces="1">\n')
        if subject_only(c):  # a course holding only a subject carries no @Semaines (formats §4)
            out.append(f'      <Matiere Ident="{c.subject}"/>\n    </Cours>\n')
            continue
        dom = f"<!--Domaine : {week_domain(c.weeks)}-->"

        def child(tag: str, ident: str, c=c, dom=dom) -> str:
            return f'      <{tag} Ident="{ident}" Semaines="{c.weeks}"/>{dom}\n'

        out.append(
            child("Matiere", c.subject)
            + "".join(child("Professeur", p) for p in c.teachers)
            + "".join(child("Classe", x) for x in c.classes)
            + "".join(child("PartieDeClasse", x) for x in c.parts)
            + "".join(child("Groupe", x) for x in c.groups)
            + (child("Salle", c.room) if c.room else "")
            + "    </Cours>\n"
        )
    out.append("  </Cours>\n</ExportEmploiDuTemps>\n")
    return "".join(out)


def edt_name(uai: str) -> str:
    return f"export_edt_{uai}.xml"


def write_timetable(out: str, t: Timetable, on: str) -> str:
    rel = os.path.join("timetable", on, edt_name(t.uai))
    write_xml(os.path.join(out, rel), edt_xml(t), UTF_8)
    return rel
