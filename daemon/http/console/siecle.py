"""The page of a person SIECLE knows (issue 16): a student or guardian record
of one of the caller's establishments, found by the search when it has no
ENT account — its names, the guardians or students it is linked to, its
history (daemon/history/siecle.py) and why it has no account, in plain
French, as far as the read models can tell. The URL carries the UAI, the
kind and the SIECLE id (ELEVE_ID, PERSONNE_ID), never a name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from daemon.history.siecle import record_facts
from daemon.http import reads
from daemon.http.console import bilans, timeline
from daemon.http.console.pages import page, read, render, who
from daemon.http.console.sessions import PATH
from events.explanation import STATES
from projections import siecle_person_queries
from projections.history_queries import LinkedRecord

router = APIRouter(prefix=PATH, include_in_schema=False)
Key = Annotated[str, Path(max_length=40)]
KINDS = {"eleve": "student", "responsable": "guardian"}
TITLES = {"student": "élève", "guardian": "responsable"}


def gather(ctx: Any, *, scope: reads.Scope, uai: str, kind: str, key: str) -> dict[str, Any]:
    if scope is not None and uai not in scope:
        raise reads.OutOfScope("SIECLE record")
    found = siecle_person_queries.person(ctx.db, uai, kind, key)
    if found is None:
        raise reads.OutOfScope("SIECLE record")
    found["facts"] = record_facts(ctx.log, LinkedRecord(found["stream_id"], kind, uai, key))
    found["zone"] = ctx.policy.timezone
    return found


def why(kind: str, record: dict[str, Any]) -> list[str]:
    """Why the person has no ENT account, in the words of what the read models hold."""
    link, out = record["link"], []
    if record["rejections"]:
        out.append(
            f"Sa fiche a été rejetée à {len({r['import_id'] for r in record['rejections']})} import(s) SIECLE : "
            "voir les rejets ci-dessous."
        )
    if kind == "student" and (record.get("left_on") or not record.get("enrolled", 1)):
        left = record.get("left_on") or ""
        out.append(f"L'élève a quitté l'établissement{f' (date de sortie {left})' if left else ''} selon SIECLE.")
    if kind == "guardian" and not record.get("present", 1):
        out.append("Ce responsable n'est plus dans le dernier export SIECLE.")
    if link and link["status"] == "linked" and link["account_id"]:
        out.append("Cette fiche est rattachée à un compte ENT.")
    elif link and link["reason"] == "ambiguous":
        out.append(
            "Plusieurs comptes de l'annuaire académique pourraient correspondre : entsync n'a pas choisi. "
            "Un opérateur doit vérifier les fiches de l'AAF."
        )
    else:
        out.append(
            "L'annuaire académique (AAF) n'a livré aucun compte qui corresponde à cette fiche : le compte ENT "
            "sera créé quand l'AAF livrera la personne, puis après le délai de 48 h."
        )
    out.append(
        "entsync ne sait pas si l'AAF a écarté cette personne de son côté (une fiche qu'il n'a jamais livrée "
        "ne laisse aucune trace ici) : en cas de doute, interrogez l'académie."
    )
    return out


@router.get("/siecle/{uai}/{kind}/{key}")
@page
def siecle_person(request: Request, uai: Key, kind: Key, key: Key) -> Response:
    caller = who(request)
    if kind not in KINDS:
        raise reads.OutOfScope("SIECLE record")
    found = read(request, caller, gather, uai=uai, kind=KINDS[kind], key=key)
    related = "responsable" if found["related_kind"] == "guardian" else "eleve"
    return render(
        request,
        "siecle_person.html",
        record=found,
        kind=TITLES[KINDS[kind]],
        key=key,
        uai=uai,
        reasons=why(KINDS[kind], found),
        related_path=related,
        related_label="Responsables" if related == "responsable" else "Élèves",
        timeline_caption="Les faits de cette fiche SIECLE, du plus ancien au plus récent",
        timeline=[timeline.row(f, found["zone"], STATES) for f in found["facts"]],
        rejected=[
            {
                **r,
                "source": "siecle",
                "origin": r["import_id"],
                "label": bilans.reason(r["reason"]),
                "when": bilans.when(r["at"]),
            }
            for r in found["rejections"]
        ],
        rejected_whose="cette personne",
        labels=bilans,
    )
