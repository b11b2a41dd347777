"""What every console page shares (issue 16): rendering a template in French,
knowing who is asking from the session cookie, checking a form's CSRF value,
reading within the caller's establishments, and turning every failure into
a page — never a traceback, never JSON.

The pages ask the same readers and actions as the API (daemon/http/reads.py,
writes.py, …), so that the console and the API never disagree; this module
only adds the browser's side: the session (daemon/http/console/sessions.py),
the forms and the HTML.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from daemon.http import reads
from daemon.http.console.sessions import COOKIE, PATH, Session, Sessions, same
from daemon.http.errors import ApiError, Busy, Failed, StoreUnavailable, route_of
from daemon.http.site import Site
from events.access import Action, Caller, Role

log = logging.getLogger("entsync.http")

LOGIN_PATH = f"{PATH}/login"
# No inline script nor style: what a page runs comes from /console/static only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it a browser sends "Origin: null" with every POST,
    # which same_origin() must refuse (an opaque origin); same-origin gives
    # the console its own origin and other sites nothing.
    "Referrer-Policy": "same-origin",
    # Pages show personal data: none kept in a cache, so that the back button
    # after logging out asks the daemon again (and gets the log-in form).
    "Cache-Control": "no-store",
}
ROLE_LABELS = {Role.READER: "support (lecture)", Role.ETAB_ADMIN: "administrateur d'établissement",
               Role.OPERATOR: "opérateur académique"}  # fmt: skip

templates = Environment(
    loader=PackageLoader("daemon.http.console", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a name a template expects and the page forgot fails the page's tests
    trim_blocks=True,
    lstrip_blocks=True,
)


class Redirect(Exception):
    def __init__(self, to: str):
        super().__init__(to)
        self.to = to


class Refused(Exception):
    """A page's refusal in French: its status and the sentence shown."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.console_sessions
    return found


def site(request: Request) -> Site:
    found: Site = request.app.state.site
    return found


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    session: Session | None = getattr(request.state, "console_session", None)
    caller: Caller | None = getattr(request.state, "console_caller", None)
    html = templates.get_template(template).render(
        caller=caller,
        role_label=ROLE_LABELS.get(caller.role, "") if caller else "",
        csrf=session.csrf if session else "",
        path=PATH,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def who(request: Request, action: Action = Action.READ_DIRECTORY) -> Caller:
    """The caller of the session's cookie, checked again now; no session (or
    the token revoked since): to the log-in page."""
    kept = sessions(request)
    session = kept.get(request.cookies.get(COOKIE))
    if session is None:
        raise Redirect(LOGIN_PATH)
    try:
        caller = request.app.state.gate.check_presented(request, action, session.token)
    except ApiError as refused:
        if refused.status == HTTPStatus.UNAUTHORIZED:
            kept.close(session.sid)
            raise Redirect(LOGIN_PATH) from None
        request.state.console_session = session
        raise
    request.state.console_session, request.state.console_caller = session, caller
    return caller


def check_form(request: Request, csrf: str) -> None:
    """A POST of a console form: the session's CSRF value, from a page of this
    origin (a browser sends Origin on a POST; one from elsewhere is refused)."""
    session: Session | None = getattr(request.state, "console_session", None)
    if not same_origin(request) or session is None or not same(session.csrf, csrf):
        raise Refused(HTTPStatus.FORBIDDEN, "Ce formulaire a expiré ou ne vient pas de la console : rechargez la page.")


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def read(request: Request, caller: Caller, reader: Callable[..., Any], **params: Any) -> Any:
    """``reader`` within the caller's establishments; a key outside them is
    audited and answered as a key that does not exist."""
    try:
        return site(request).read(reader, scope=caller.scope(), **params)
    except reads.OutOfScope as exc:
        request.app.state.gate.out_of_scope(request, caller, exc)
        raise ApiError(exc.status, exc.code, exc.message) from None


def page(view: Callable[..., Response]) -> Callable[..., Response]:
    """A console view whose every failure is a French page with its status."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        try:
            return view(*args, **kwargs)
        except Redirect as go:
            return RedirectResponse(go.to, status_code=HTTPStatus.SEE_OTHER)
        except Refused as refused:
            return _error(request, refused.status, refused.message)
        except ApiError as exc:
            return _error(request, int(exc.status), _said(int(exc.status), exc.code), exc.headers)
        except StoreUnavailable:
            return _error(request, 503, "La base de l'annuaire est injoignable pour le moment. Réessayez plus tard.")
        except Busy:
            return _error(
                request, 503, "Un import est en cours : réessayez dans quelques secondes.", {"Retry-After": "5"}
            )
        except Failed as exc:
            log.error("console %s failed: %s", route_of(request), exc.kind)
            return _error(request, 500, "Erreur interne : le journal du service en dit plus.")

    return wrapped


def _said(status: int, code: str) -> str:
    if status == HTTPStatus.NOT_FOUND:
        return "Introuvable : rien ne correspond à cette clé dans vos établissements."
    if status == HTTPStatus.FORBIDDEN:
        return "Votre rôle ne permet pas cette action."
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return "Trop d'essais infructueux : réessayez plus tard."
    if status == HTTPStatus.CONFLICT:
        return f"Action refusée ({code})."
    return f"Erreur ({code})."


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    answer = render(request, "error.html", status, message=message, status_code=status)
    answer.headers.update(headers or {})
    return answer
