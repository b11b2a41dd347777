"""A console form's decision (issue 16): the API's action (daemon/http/
writes.py) on the writer thread with the caller's token name as author, then
back to a page that says what was done."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from daemon.http.console.pages import Redirect, Refused, site
from daemon.http.errors import ApiError, Busy, Failed, StoreUnavailable
from daemon.http.reads import OutOfScope
from events.access import Caller


def act(request: Request, caller: Caller, action: Any, refused: str, **params: Any) -> Any:
    """``action`` as the API runs it: a key outside the caller's
    establishments is an audited 404 page; the use case's refusal a 409 page
    saying ``refused`` and the refusal's code (its message may quote keys)."""
    try:
        return site(request).write(action, who=caller, **params)
    except OutOfScope as exc:
        request.app.state.gate.out_of_scope(request, caller, exc)
        raise ApiError(exc.status, exc.code, exc.message) from None
    except (ApiError, Busy, Failed, StoreUnavailable, Redirect, Refused):
        raise
    except Exception as exc:  # the use case's "no": Site.write raises nothing else
        code = getattr(exc, "code", "") or type(exc).__name__
        raise Refused(
            HTTPStatus.CONFLICT, f"{refused} ({code}). Rechargez la page : l'état a peut-être changé."
        ) from None


def done(to: str, flag: str) -> RedirectResponse:
    """303 to ``to``, whose page says what ``flag`` names (no personal data in it)."""
    return RedirectResponse(f"{to}?fait={flag}", status_code=HTTPStatus.SEE_OTHER)
