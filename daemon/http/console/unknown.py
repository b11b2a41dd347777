"""Any other path under /console (issue 16): the French 404 page, not the
API's JSON — a support agent who follows a stale link or mistypes one stays
in the console. Registered last (daemon/http/console/__init__.py), so that
it only answers what no page claims; the API's own 404s are untouched."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import APIRouter, Request
from fastapi.responses import Response

from daemon.http.console.pages import Redirect, Refused, page, who
from daemon.http.console.sessions import PATH

router = APIRouter(prefix=PATH, include_in_schema=False)
UNKNOWN = "Cette page n'existe pas dans la console : revenez à la recherche."


@router.api_route("/{rest:path}", methods=["GET", "HEAD", "POST"])
@page
def unknown(request: Request, rest: str) -> Response:
    try:
        who(request)  # a session's page keeps its header (who, log-out); without one, no log-in detour
    except Redirect:
        pass
    raise Refused(HTTPStatus.NOT_FOUND, UNKNOWN)
