"""The support console (issue 16): French pages served by the daemon under
/console, for support staff, establishment administrators and operators, with
the API's tokens, roles and scopes. See daemon/http/console/pages.py."""

from __future__ import annotations

from fastapi import APIRouter

from daemon.http.console import account, anomalies, deliveries, imports, login, search, siecle, static, unknown

router = APIRouter(include_in_schema=False)
for part in (login, search, account, anomalies, imports, deliveries, siecle, static):
    router.include_router(part.router)
router.include_router(unknown.router)  # last: only what no page claims
