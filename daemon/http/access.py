"""Who is asking (issue 12): the bearer token of every API request checked
against the token store, the caller's role against what the route does, and
every refusal counted, audited and, for wrong tokens, throttled.

The rules are events/access.py's; this is their HTTP side. A route declares
what it does (``Action``) by its dependency, ``caller(Action.…)``, and gets
the ``Caller``, whose scope its reader applies (a person or an establishment
outside it is a 404, daemon/http/reads.py).

Refusals are written to the access audit (projections/access.py) by one
thread of their own, from a bounded queue: a refusal is answered at once
even while an ingest holds the store, and a flood of them cannot grow
memory. What could not be queued is counted (``entsync_api_audit_dropped``).
Nothing here logs a token, a secret or a path: the audit has the token's
name, the client's address and the route's template.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from daemon.http.errors import ApiError, route_of
from daemon.http.site import Site
from daemon.http.throttle import FailureThrottle
from events.access import AccessRefused, Action, Caller, authenticate, authorize, token_id_of
from events.clock import Clock

log = logging.getLogger("entsync.http")

AUDIT_QUEUE = 1000
# Declares the scheme in the OpenAPI document; the header itself is read by Gate.check.
BEARER = HTTPBearer(
    scheme_name="token",
    description="a token created by `entsync tokens create` (roles reader, etab-admin, operator)",
    auto_error=False,
)
NOBODY = "-"  # the audit's token name when none was presented or it matched none


class Gate:
    def __init__(self, site: Site, clock: Clock, throttle: FailureThrottle | None = None):
        self.site, self.clock = site, clock
        self.throttle = throttle or FailureThrottle(clock)
        self._throttle_lock = threading.Lock()
        self._queue: queue.Queue[tuple | None] = queue.Queue(maxsize=AUDIT_QUEUE)
        self._writer = threading.Thread(target=self._write, name="entsync-http-audit", daemon=True)
        self._writer.start()

    # ---- checking a request ----------------------------------------------------------

    def check(self, request: Request, action: Action) -> Caller:
        return self.check_presented(request, action, _bearer(request.headers.get("authorization")))

    def check_presented(self, request: Request, action: Action, presented: str | None) -> Caller:
        """``check`` of a token presented otherwise than in the header: the
        console's session (daemon/http/console/sessions.py) keeps the one its
        log-in form took, and every page checks it again, so that a revoked
        token ends its sessions at once."""
        client = request.client.host if request.client else "unknown"
        with self._throttle_lock:
            wait = self.throttle.retry_after(client)
        if wait:
            raise self._refused(
                request,
                NOBODY,
                AccessRefused(429, "too_many_failures", "too many failed attempts; try again later"),
                {"Retry-After": str(wait)},
            )
        token_id = token_id_of(presented) if presented else None
        kept = self.site.read(lambda ctx: ctx.tokens.by_id(token_id)) if token_id else None
        name = kept.name if kept is not None else NOBODY
        try:
            caller = authenticate(presented, kept)
        except AccessRefused as refused:
            if presented:  # a wrong token, not a forgotten one: guessing is slowed down
                with self._throttle_lock:
                    self.throttle.failed(client)
            raise self._refused(request, name, refused, {"WWW-Authenticate": 'Bearer realm="entsync"'}) from None
        try:
            authorize(caller, action)
        except AccessRefused as refused:
            raise self._refused(request, caller.name, refused) from None
        return caller

    def out_of_scope(self, request: Request, caller: Caller, exc: ApiError) -> None:
        """A 404 of a reader: audited (it may be a caller looking outside its
        establishments), answered exactly as any 404."""
        self._audit(request, caller.name, int(exc.status), "not_found")

    def _refused(
        self, request: Request, name: str, refused: AccessRefused, headers: dict[str, str] | None = None
    ) -> ApiError:
        self._audit(request, name, refused.status, refused.code)
        return ApiError(HTTPStatus(refused.status), refused.code, refused.message, headers)

    # ---- the audit -------------------------------------------------------------------

    def _audit(self, request: Request, name: str, status: int, code: str) -> None:
        self.site.metrics.observe_api_refusal(status, code)
        client = request.client.host if request.client else "unknown"
        row = (self.clock.now(), name, client, request.method, route_of(request), status, code)
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.site.metrics.observe_audit_dropped()

    def _write(self) -> None:
        ctx: Any = None
        while True:
            row = self._queue.get()
            try:
                if row is None:
                    break
                if ctx is None:
                    ctx = self.site.context_factory()
                ctx.access_audit.record(*row)
            except Exception as exc:  # the store down: the row is lost, counted, and the next one tried
                log.warning("HTTP: an access audit row could not be written (%s)", type(exc).__name__)
                self.site.metrics.observe_audit_dropped()
                ctx = _close(ctx)
            finally:
                self._queue.task_done()
        _close(ctx)

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until the rows queued so far are written; False if they were
        not within ``timeout`` seconds (tests read the audit after this)."""
        for _ in range(int(timeout / 0.01)):
            if not self._queue.unfinished_tasks:
                return True
            threading.Event().wait(0.01)
        return not self._queue.unfinished_tasks

    def close(self) -> None:
        try:
            self._queue.put(None, timeout=1)
        except queue.Full:
            log.warning("HTTP: closing with access audit rows not written")
            return
        self._writer.join(5)


def _close(ctx: Any) -> None:
    if ctx is not None:
        try:
            ctx.close()
        except Exception:
            log.debug("closing the audit writer's context failed", exc_info=True)
    return None


def _bearer(header: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>``; any other value is
    returned whole, a presented credential that will not match."""
    if not header or not header.strip():
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else header


def caller(action: Action) -> Callable[..., Caller]:
    """The dependency of a route that does ``action``: the caller, or the
    refusal (401, 403, 429)."""

    def dependency(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Caller:
        gate: Gate = request.app.state.gate
        return gate.check(request, action)

    dependency.__name__ = f"caller_{action.value.replace('-', '_')}"
    return Depends(dependency)
