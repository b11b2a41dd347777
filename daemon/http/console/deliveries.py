"""The académie's AAF deliveries for operators (issue 16): the held ones
first, why a brake holds them and who they would make depart, and the
operator's release or reject — the API's actions (daemon/http/writes.py).
SIECLE imports held by a brake are listed here too (their page is the
import's, /console/imports/{id}). Any other role gets a 403 page."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from daemon.http import reads, writes
from daemon.http.console import bilans
from daemon.http.console.acting import act, done
from daemon.http.console.pages import Refused, check_form, page, render, site, who
from daemon.http.console.sessions import PATH
from events.access import Action
from projections import bilan_queries, siecle_listings

router = APIRouter(prefix=PATH, include_in_schema=False)
Field = Annotated[str, Form()]
FIRST = {"held": 0, "waiting": 1}


def overview(ctx: Any) -> dict:
    rows = reads.deliveries(ctx)["deliveries"]
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    rows.sort(key=lambda r: FIRST.get(r["status"], 2))  # stable: newest first within each rank
    held_siecle = [r for r in siecle_listings.imports(ctx.db) if r["status"] == "held"]
    return {"deliveries": rows, "siecle": held_siecle}


@router.get("/deliveries")
@page
def listing(request: Request, fait: str = "") -> Response:
    who(request, Action.READ_DELIVERIES)
    found = site(request).read(overview)
    return render(request, "deliveries.html", **found, labels=bilans, notice=bilans.DONE.get(fait, ""))


def held(ctx: Any, *, key: str) -> dict:
    row = reads.delivery(ctx, key=key)
    if "departures" in row:
        ids = bilan_queries.account_ids(ctx.db, [d["jointure"] for d in row["departures"]])
        row["departing"] = bilans.departures(row["departures"], ids)
    return row


@router.get("/deliveries/{delivery_id}")
@page
def detail(request: Request, delivery_id: str, fait: str = "") -> Response:
    caller = who(request, Action.READ_DELIVERIES)
    row = site(request).read(held, key=delivery_id)
    return render(request, "delivery.html", row=row, labels=bilans, notice=bilans.DONE.get(fait, ""),
                  may_decide=caller.may(Action.OPERATE))  # fmt: skip


# (SIECLE?, verb) → the API's action, its key in the answer, the page to go back to, the flag it shows
DECISIONS = {
    (False, "release"): (writes.release_delivery, "delivery_id", "deliveries", "liberee"),
    (False, "reject"): (writes.reject_delivery, "delivery_id", "deliveries", "rejetee"),
    (True, "release"): (writes.release_siecle_import, "import_id", "imports", "siecle-libere"),
    (True, "reject"): (writes.reject_siecle_import, "import_id", "imports", "siecle-rejete"),
}


@router.post("/deliveries/{delivery_id}/{verb}")
@page
def decide(request: Request, delivery_id: str, verb: str, csrf: Field = "") -> Response:
    return _decided(request, (False, verb), delivery_id, csrf)


@router.post("/deliveries/siecle/{import_id}/{verb}")
@page
def decide_siecle(request: Request, import_id: str, verb: str, csrf: Field = "") -> Response:
    return _decided(request, (True, verb), import_id, csrf)


def _decided(request: Request, decision: tuple[bool, str], key: str, csrf: str) -> Response:
    caller = who(request, Action.OPERATE)
    if decision not in DECISIONS:
        raise Refused(HTTPStatus.NOT_FOUND, "Introuvable : cette action n'existe pas.")
    check_form(request, csrf)
    action, named, back, flag = DECISIONS[decision]
    result = act(request, caller, action, "L'opérateur n'a pas pu décider", key=key)
    return done(f"{PATH}/{back}/{result[named]}", flag)
