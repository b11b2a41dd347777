"""Logging in and out of the console (issue 16): a form takes an API token
(``entsync tokens create``), checked as the API checks a bearer token (the
same throttle on failures, the same audit); a token that checks out opens a
session (daemon/http/console/sessions.py). The token travels in the form's
body only — never in a URL — and is never shown again."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from daemon.http.console.pages import LOGIN_PATH, Refused, page, render, same_origin, sessions, who
from daemon.http.console.sessions import COOKIE, LOGIN_COOKIE, PATH, new_login_csrf, same
from daemon.http.errors import ApiError
from events.access import Action

router = APIRouter(prefix=PATH, include_in_schema=False)
Field = Annotated[str, Form()]


@router.get("/login")
@page
def login_form(request: Request) -> Response:
    return _form(request)


def _form(request: Request, status: int = 200, message: str = "") -> Response:
    value = new_login_csrf()
    answer = render(request, "login.html", status, login_csrf=value, message=message)
    answer.set_cookie(LOGIN_COOKIE, value, httponly=True, samesite="strict", path=PATH, secure=_secure(request))
    return answer


@router.post("/login")
@page
def log_in(request: Request, token: Field = "", csrf: Field = "") -> Response:
    if not same_origin(request) or not same(request.cookies.get(LOGIN_COOKIE), csrf):
        return _form(request, HTTPStatus.FORBIDDEN, "Le formulaire a expiré : saisissez à nouveau votre jeton.")
    token = token.strip()
    if not token:
        return _form(request, HTTPStatus.BAD_REQUEST, "Saisissez votre jeton d'accès.")
    try:
        request.app.state.gate.check_presented(request, Action.READ_DIRECTORY, token)
    except ApiError as refused:
        if refused.status == HTTPStatus.TOO_MANY_REQUESTS:
            return _form(request, refused.status, "Trop d'essais infructueux : réessayez dans quelques minutes.")
        return _form(request, HTTPStatus.UNAUTHORIZED, "Jeton refusé : inconnu, révoqué ou mal copié.")
    session = sessions(request).open(token)
    answer = RedirectResponse(PATH, status_code=HTTPStatus.SEE_OTHER)
    answer.set_cookie(COOKIE, session.sid, httponly=True, samesite="strict", path=PATH, secure=_secure(request))
    answer.delete_cookie(LOGIN_COOKIE, path=PATH)
    return answer


@router.post("/logout")
@page
def log_out(request: Request, csrf: Field = "") -> Response:
    try:
        who(request)
    except ApiError:
        pass  # a session whose role lost the right to read may still leave
    session = getattr(request.state, "console_session", None)
    if session is None or not same(session.csrf, csrf) or not same_origin(request):
        raise Refused(HTTPStatus.FORBIDDEN, "Ce formulaire a expiré ou ne vient pas de la console : rechargez la page.")
    sessions(request).close(session.sid)
    answer = RedirectResponse(LOGIN_PATH, status_code=HTTPStatus.SEE_OTHER)
    answer.delete_cookie(COOKIE, path=PATH)
    return answer


def _secure(request: Request) -> bool:
    # Behind a TLS proxy the daemon sees http (its server trusts no proxy header for the
    # client's address); the proxy's X-Forwarded-Proto still says the browser used https, and
    # the cookie is then Secure. A forged header costs its sender only their own session.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"
