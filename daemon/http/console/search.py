"""The console's home: finding a person (issue 16). The query is posted, not
put in the URL, so that a name never lands in a proxy's log or the browser's
history; the results link to account pages by account id, a person SIECLE knows
without an account to its SIECLE page (daemon/http/console/siecle.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from daemon.http.console import bilans
from daemon.http.console.finding import find
from daemon.http.console.pages import check_form, page, read, render, who
from daemon.http.console.sessions import PATH
from events.explanation import state_label

router = APIRouter(prefix=PATH, include_in_schema=False)
Field = Annotated[str, Form()]
MAX_QUERY = 200
CATEGORIES = {"Eleve": "élève", "PersRelEleve": "responsable", "PersEducNat": "personnel", "Manual": "compte manuel"}


@router.get("")
@page
def home(request: Request) -> Response:
    who(request)
    return render(
        request, "search.html", query="", results=None, truncated=False, siecle=[], rejected=[], labels=bilans
    )


@router.post("/search")
@page
def search(request: Request, q: Field = "", csrf: Field = "") -> Response:
    caller = who(request)
    check_form(request, csrf)
    text = q.strip()[:MAX_QUERY]
    found = (
        read(request, caller, find, text=text)
        if text
        else {"accounts": [], "truncated": False, "siecle": [], "rejected": []}
    )
    rows = [
        {
            **row,
            "state_label": state_label(row["state"], "fr"),
            "kind": CATEGORIES.get(row["category"], row["category"]),
        }
        for row in found["accounts"]
    ]
    return render(
        request,
        "search.html",
        query=text,
        results=rows,
        truncated=found["truncated"],
        siecle=found["siecle"],
        rejected=found["rejected"],
        labels=bilans,
    )
