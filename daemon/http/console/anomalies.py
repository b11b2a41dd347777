"""The console's anomalies (issue 16): the listing of the caller's
establishments by establishment and kind, as GET /api/v1/anomalies lists
them (daemon/http/anomaly_routes.py), in French with the action to take; and
the decisions on the decidable ones, recorded by the API's own
``anomaly_actions.decide`` with the caller's token name as author — which
also says who may decide what (an etab-admin: the anomalies this listing
shows it; a reader: none)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from daemon.http.anomaly_actions import decide
from daemon.http.anomaly_routes import anomalies
from daemon.http.console import ent_side
from daemon.http.console.pages import Refused, check_form, page, read, render, site, who
from daemon.http.console.sessions import PATH
from daemon.http.errors import ApiError, Busy, Failed, StoreUnavailable
from daemon.http.reads import OutOfScope
from events import console_wording
from events.access import Action, Caller
from events.anomaly import AnomalyDecided, short
from events.anomaly_kinds import KINDS
from projections import anomaly_queries, structure_queries

router = APIRouter(prefix=f"{PATH}/anomalies", include_in_schema=False)
Field = Annotated[str, Form()]
LISTING = f"{PATH}/anomalies"
DECISIONS = {"open": "à décider", "confirmed": "confirmée", "dismissed": "écartée"}
# What the page a decision returns to says (its query flag ``fait``): no personal data in a URL.
DONE = {"confirm": "confirmee", "dismiss": "ecartee"}
NOTICES = {"confirmee": "L'anomalie est confirmée : sa correction est enregistrée.",
           "ecartee": "L'anomalie est écartée : rien n'est à corriger."}  # fmt: skip
MAX_REASON = 1000


def notice(request: Request) -> str:
    """The sentence of a decision just taken, from the page's ``fait`` flag."""
    return NOTICES.get(request.query_params.get("fait", ""), "")


def listing(ctx: Any, *, scope: frozenset[str] | None, uai: str | None, kind: str | None) -> dict:
    found = anomalies(ctx, scope=scope, uai=uai, kinds=frozenset({kind}) if kind else None, since=None, now=None,
                      lang="fr")  # fmt: skip
    rows = found["anomalies"]
    for row, (account, uais) in zip(rows, anomaly_queries.subjects(ctx.db, rows), strict=True):
        row.update(account=account, uais=uais, short=short(row["id"]) if row.get("id") else "")
        row["decision_label"] = DECISIONS.get(row.get("decision") or "", "—")
        row["action"] = console_wording.action(row["anomaly"], row.get("action") or "")  # no command to type
        row["technical"] = ent_side.technical(row)
    return {"rows": rows, "uais": [s["uai"] for s in structure_queries.structures(ctx.db, scope)]}


@router.get("")
@page
def anomalies_page(request: Request, uai: str = "", kind: str = "") -> Response:
    caller = who(request)
    if kind and kind not in KINDS:
        raise Refused(HTTPStatus.BAD_REQUEST, "Ce type d'anomalie n'existe pas : choisissez-le dans la liste.")
    found = read(request, caller, listing, uai=uai or None, kind=kind or None)
    kinds = sorted(((code, k.label_fr) for code, k in KINDS.items()), key=lambda pair: pair[1])
    return render(
        request,
        "anomalies.html",
        rows=found["rows"],
        uais=found["uais"],
        kinds=kinds,
        uai=uai,
        kind=kind,
        may_decide=caller.may(Action.ACT_ON_ACCOUNTS),
        back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        notice=notice(request),
    )


@router.post("/{anomaly_id}/confirm")
@page
def confirm(request: Request, anomaly_id: str, csrf: Field = "", reason: Field = "", back: Field = "") -> Response:
    return _decide(request, anomaly_id, "confirm", csrf, reason, back)


@router.post("/{anomaly_id}/dismiss")
@page
def dismiss(request: Request, anomaly_id: str, csrf: Field = "", reason: Field = "", back: Field = "") -> Response:
    return _decide(request, anomaly_id, "dismiss", csrf, reason, back)


def _decide(request: Request, anomaly_id: str, decision: str, csrf: str, reason: str, back: str) -> Response:
    caller = who(request, Action.ACT_ON_ACCOUNTS)
    check_form(request, csrf)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise Refused(HTTPStatus.BAD_REQUEST, f"Indiquez le motif de la décision (au plus {MAX_REASON} caractères).")
    _write(request, caller, key=anomaly_id, decision=decision, reason=reason)
    return RedirectResponse(returning(back, DONE[decision]), status_code=HTTPStatus.SEE_OTHER)


def _write(request: Request, caller: Caller, **params: Any) -> None:
    """``decide`` on the writer, its refusals worded in French."""
    try:
        site(request).write(decide, who=caller, **params)
    except OutOfScope as exc:
        request.app.state.gate.out_of_scope(request, caller, exc)
        raise ApiError(exc.status, exc.code, exc.message) from None
    except (ApiError, Busy, Failed, StoreUnavailable):
        raise
    except AnomalyDecided:
        raise Refused(HTTPStatus.CONFLICT, "Cette anomalie est déjà décidée : rechargez la liste.") from None
    except Exception:  # a refusal of the use case: Site.write raises nothing else
        raise Refused(
            HTTPStatus.CONFLICT, "Décision refusée : l'anomalie ou son compte a changé, rechargez la liste."
        ) from None


def returning(back: str, done: str) -> str:
    """``back`` when it is a page of the console (else the listing), with the
    flag saying what was done in place of any earlier one."""
    parts = urlsplit(back)
    inside = parts.path == PATH or parts.path.startswith(f"{PATH}/")
    if parts.scheme or parts.netloc or not inside or "\\" in back or "//" in parts.path:
        parts = urlsplit(LISTING)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "fait"] + [("fait", done)]
    return f"{parts.path}?{urlencode(query)}"
