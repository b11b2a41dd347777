"""The imports of the caller's establishments and their bilan (issue 16):
timetable and STS-web imports (what ``entsync imports show`` shows, the
matches of one awaiting validation and, for the roles allowed, the form
that validates it) and SIECLE imports (counts, rejected records, and for a
held one the brake and who would depart). Read as the API reads them
(daemon/http/reads.py); validated with the API's action (writes.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from daemon.http import reads, writes
from daemon.http.console import bilans, counts
from daemon.http.console.acting import act, done
from daemon.http.console.pages import check_form, page, read, render, templates, who
from daemon.http.console.sessions import PATH
from daemon.http.errors import not_found
from events.access import Action
from events.timetable.labels import bilan_title
from events.usecases.siecle_hold import held_import
from projections import bilan_queries, import_queries, siecle_listings

router = APIRouter(prefix=PATH, include_in_schema=False)
Field = Annotated[str, Form()]
templates.filters["quand"] = bilans.when
templates.filters["compte"] = counts.count  # a bilan count's French label (delivery.html too)
templates.globals["dit"] = counts.message
SOURCES = {"edt": "emploi du temps (EDT)", "sts": "STS-web"}


@router.get("/imports")
@page
def listing(request: Request) -> Response:
    caller = who(request)
    timetables = read(request, caller, reads.imports, uai=None)["imports"]
    siecle = read(request, caller, reads.siecle_imports, uai=None)["imports"]
    return render(request, "imports.html", timetables=timetables, siecle=siecle, sources=SOURCES, labels=bilans)


def bilan(ctx: Any, *, scope: reads.Scope, key: str) -> dict:
    """A timetable or STS-web import as ``entsync imports show`` shows it,
    else a SIECLE import with its rejected records (and, held, its brake)."""
    if import_queries.find(ctx.db, key):
        return {"family": "timetable", **reads.import_detail(ctx, scope=scope, key=key)}
    found = [r for r in siecle_listings.imports(ctx.db) if r["import_id"] == key]
    if not found:
        raise not_found("import")
    row = found[0]
    if scope is not None and row["uai"] not in scope:
        raise reads.OutOfScope("import")
    row["rejections"] = bilan_queries.siecle_rejections(ctx.db, key)
    if row["status"] == "held":
        brake = held_import(ctx, key).brake or {}
        rows = brake.get("departures", [])
        jointures = [d["jointure"] for d in rows]
        ids, logins = bilan_queries.account_ids(ctx.db, jointures), ctx.siecle_queries.logins(jointures)
        listed = [
            {**d, "login": logins.get(d["jointure"], ""), "uais": [row["uai"]], "counted": not d["expected"]}
            for d in rows
        ]
        row["brake"], row["departing"] = brake.get("counts", []), bilans.departures(listed, ids)
    return {"family": "siecle", **row}


@router.get("/imports/{import_id}")
@page
def detail(request: Request, import_id: str, fait: str = "") -> Response:
    caller = who(request)
    row = read(request, caller, bilan, key=import_id)
    if row["family"] == "siecle":
        return render(request, "siecle_import.html", row=row, labels=bilans, notice=bilans.DONE.get(fait, ""),
                      may_decide=caller.may(Action.OPERATE))  # fmt: skip
    matches = row["matches"]
    return render(
        request,
        "import.html",
        row=row,
        source=SOURCES.get(row["source"], row["source"]),
        title=bilan_title(row["status"]),
        report=list(row["report"]),
        unmatched=[m for m in matches if not m["key"]],
        matched=[m for m in matches if m["key"]],
        labels=bilans,
        notice=bilans.DONE.get(fait, ""),
        may_validate=row["status"] == "awaiting_validation" and caller.may(Action.ACT_ON_ACCOUNTS),
    )


@router.post("/imports/{import_id}/validate")
@page
def validate(request: Request, import_id: str, csrf: Field = "", accept_end_date: Field = "") -> Response:
    caller = who(request, Action.ACT_ON_ACCOUNTS)
    check_form(request, csrf)
    result = act(request, caller, writes.validate_import, "L'import n'a pas pu être validé",
                 scope=caller.scope(), key=import_id, accept_end_date=accept_end_date == "oui")  # fmt: skip
    return done(f"{PATH}/imports/{result['import_id']}", "valide")
