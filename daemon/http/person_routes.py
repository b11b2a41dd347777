"""``GET /api/v1/persons/{key}/export`` (issue 17, the RGPD right of
access): the document of ``entsync person export KEY --json``
(daemon/history/person.py). Everything the store holds on one person spans
every establishment and source, so it is an operator's route (the
``operations`` group: a reader or an etab-admin gets 403); a key naming
nobody is a 404 that does not repeat it. The person's data is the answer's
and nothing else's: the guard logs the route's template, never the key."""

from __future__ import annotations

from datetime import timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from daemon.history.person import person_export
from daemon.http import person_models as pm
from daemon.http.api import TEXT, Operator, Served, _get, operations
from daemon.http.errors import not_found

persons = APIRouter(prefix=operations.prefix, dependencies=operations.dependencies)

Key = Annotated[
    str,
    Path(description="jointure, login (current or reserved), account id, or siecle:UAI:eleve|responsable:ID",
         pattern=TEXT),
]  # fmt: skip
Lang = Annotated[Literal["fr", "en"], Query(description="language of the summary")]


def read_export(ctx: Any, *, key: str, lang: str) -> dict:
    found = person_export(ctx, key, ctx.judged_now().astimezone(timezone.utc), lang)
    if found is None:
        raise not_found("person")
    return found


@_get(persons, "/persons/{key:segment}/export", pm.PersonExport, "exportPerson",
      "Everything the store holds on one person, with a readable summary (the right of access).", 400, 404,
      tag="operations")  # fmt: skip
def export_person(site: Served, who: Operator, key: Key, lang: Lang = "fr") -> Any:
    return site.read(read_export, key=key, lang=lang)
