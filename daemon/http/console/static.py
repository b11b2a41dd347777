"""The console's style sheet and script, from the package (no build step)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from daemon.http.console.sessions import PATH

router = APIRouter(prefix=PATH, include_in_schema=False)
TYPES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}")
def asset(name: Annotated[str, Path()]) -> Response:
    if name not in TYPES:
        return Response("Introuvable", status_code=404, media_type="text/plain; charset=utf-8")
    body = resources.files("daemon.http.console").joinpath("static", name).read_bytes()
    return Response(body, media_type=TYPES[name], headers={"X-Content-Type-Options": "nosniff"})
