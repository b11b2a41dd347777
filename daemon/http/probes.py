"""The service paths: ``/healthz`` (the process answers, or what is stalled),
``/readyz`` (the read models caught up and the store answers) and
``/metrics`` (prometheus-client's own ASGI exposition of the service's
registry, its gauges read from the store first). They carry no personal
data and stay open to every caller."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import APIRouter
from prometheus_client import make_asgi_app
from starlette.concurrency import run_in_threadpool

from daemon.http.api import Served
from daemon.http.errors import Json
from daemon.http.models import Health, Ready
from daemon.http.site import Site

router = APIRouter(tags=["service"])


# Not on a worker thread: these answer while every worker reads the store.
@router.get(
    "/healthz",
    response_model=Health,
    operation_id="healthz",
    summary="The process answers.",
    responses={503: {"model": Health, "description": "a worker holds its item longer than stall_seconds"}},
)
async def healthz(site: Served) -> Any:
    problem = site.health() if site.health else None
    if problem:
        return Json({"status": "stalled", **problem}, status_code=HTTPStatus.SERVICE_UNAVAILABLE)
    return Json({"status": "ok"})


@router.get(
    "/readyz",
    response_model=Ready,
    operation_id="readyz",
    summary="Ready once the projections have caught up.",
    responses={503: {"model": Ready, "description": "not ready yet, or the store is down"}},
)
async def readyz(site: Served) -> Any:
    ready = bool(site.ready())
    why = site.store.readiness() if site.store is not None and not ready else None
    return Json({"ready": ready, **(why or {})}, status_code=HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE)


class Exposition:
    """``/metrics``: the gauges refreshed on a worker (or withdrawn while the
    store cannot be read), then prometheus-client's exposition, text or
    OpenMetrics as the scraper asks."""

    def __init__(self, site: Site):
        self.site = site
        self.exposition = make_asgi_app(site.metrics.registry)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await run_in_threadpool(self.site.refresh_gauges)
        await self.exposition(scope, receive, send)
