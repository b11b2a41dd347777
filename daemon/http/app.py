"""The daemon's HTTP application: FastAPI with the service paths
(daemon/http/probes.py), the API's two groups of reads (daemon/http/api.py)
and of admin actions (daemon/http/actions.py, account_actions.py), the
preview of an uploaded file (daemon/http/preview_routes.py)
and its OpenAPI document, answering errors in the project's shape
(daemon/http/errors.py), behind the request guards (daemon/http/guards.py).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route

from daemon.http import (
    account_actions,
    actions,
    anomaly_actions,
    anomaly_routes,
    api,
    explain_routes,
    history_routes,
    person_routes,
    preview_routes,
    probes,
)
from daemon.http.access import Gate
from daemon.http.console import router as console
from daemon.http.console.sessions import Sessions
from daemon.http.errors import HANDLERS, Json
from daemon.http.guards import MAX_BODY_BYTES, Guard
from daemon.http.openapi import DESCRIPTION, describe
from daemon.http.site import Site
from daemon.http.throttle import FAILURE_LIMIT, FailureThrottle
from daemon.http.uploads import MAX_UPLOAD_BYTES

OPENAPI_PATH = "/api/v1/openapi.json"


def create_app(
    site: Site, max_body: int = MAX_BODY_BYTES, failure_limit: int = FAILURE_LIMIT, max_upload: int = MAX_UPLOAD_BYTES
) -> Guard:
    """The ASGI application serving ``site``; ``max_upload`` bounds the preview's body."""
    app = _fastapi()
    app.state.site = site
    app.state.gate = gate = Gate(site, site.metrics.clock, FailureThrottle(site.metrics.clock, failure_limit))
    site.on_close(gate.close)
    app.state.console_sessions = Sessions(site.metrics.clock)
    app.router.routes.append(Route("/metrics", probes.Exposition(site), methods=["GET"], include_in_schema=False))
    return Guard(app, max_body, {preview_routes.PREVIEW_PATH: max_upload})


def _fastapi() -> FastAPI:
    app = FastAPI(
        title="entsync",
        version="1",
        description=DESCRIPTION,
        openapi_url=None,  # served below, as describe() completes it
        docs_url=None,
        redoc_url=None,
        default_response_class=Json,
        exception_handlers=HANDLERS,
    )
    app.include_router(probes.router)
    app.include_router(api.directory)
    app.include_router(anomaly_routes.router)
    app.include_router(history_routes.history)
    app.include_router(explain_routes.explanations)
    app.include_router(api.operations)
    app.include_router(actions.establishment)
    app.include_router(account_actions.people)
    app.include_router(actions.academie)
    app.include_router(anomaly_actions.decisions)
    app.include_router(preview_routes.previews)
    app.include_router(person_routes.persons)
    app.include_router(console)  # the support console's pages (issue 16), not in the OpenAPI document

    @app.get(OPENAPI_PATH, include_in_schema=False)
    async def openapi() -> Any:
        return Json(_document())  # the routes are the same on every server

    return app


@lru_cache(maxsize=1)
def _document() -> dict:
    return describe(_fastapi())


def document() -> dict:
    """The OpenAPI 3.1 document of every server (a copy: callers may change it)."""
    return copy.deepcopy(_document())
