"""Everything the store holds on one person (issue 17, the RGPD right of
access): ``entsync person export KEY`` and ``GET
/api/v1/persons/{key}/export`` give this one document.

A person is found by their account (jointure, login current or reserved,
account id) or by a SIECLE record, ``siecle:UAI:eleve:ELEVE_ID`` or
``siecle:UAI:responsable:PERSONNE_ID``: a record linked to an account
exports that account; a record linked to none (a guardian the AAF never
delivered) exports the record alone.

The document is assembled from the readers the diagnosis already has — the
account's detail as ``entsync account --json`` gives it, its history from
every source (daemon/history/build.py), its explanation
(daemon/history/explain.py), the anomalies that name it, its rejected
records (projections/search_sources.py) and the SIECLE records linked to it
(projections/siecle_person_queries.py) — plus a readable summary
(daemon/history/person_summary.py). A jointure whose record was retyped
for another person (a confirmed overwrite, events/generations.py) had one
account per person: the export holds the facts of the generation the key
names, and lists the others by their id and state only, as they are
someone else's. Reads the log and the read models; the read models are
expected caught up. Personal data goes into the document only: nothing
here logs."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from daemon.history.build import account_history
from daemon.history.explain import explained, generation_of
from daemon.history.person_summary import summary
from daemon.history.siecle import record_facts
from events.account import account_id
from projections import account_queries, explain_queries, history_queries, search_sources, siecle_person_queries
from projections.history_queries import LinkedRecord

FORMAT = "entsync-person-export/1"
SIECLE_KEY = re.compile(r"^siecle:(?P<uai>[^:]+):(?P<kind>eleve|responsable|student|guardian):(?P<id>[^:]+)$")
KINDS = {"eleve": "student", "student": "student", "responsable": "guardian", "guardian": "guardian"}


def siecle_key(key: str) -> tuple[str, str, str] | None:
    """``(uai, kind, id)`` of a key naming a SIECLE record, kind ``student`` or ``guardian``."""
    m = SIECLE_KEY.match(key)
    return (m["uai"], KINDS[m["kind"]], m["id"]) if m else None


def person_export(ctx: Any, key: str, now: datetime, lang: str = "fr") -> dict[str, Any] | None:
    """The document for the person ``key`` names, judged at ``now``, its
    summary in ``lang``; None when the key names nobody the store holds."""
    base: dict[str, Any] = {"format": FORMAT, "key": key, "exported_at": now.isoformat(), "lang": lang}
    named = siecle_key(key)
    if named is not None:
        record = _record(ctx, *named)
        if record is None:
            return None
        link = record["link"] or {}
        if link.get("status") != "linked" or not link.get("account_id"):
            doc = {**base, **_record_only(ctx, record, named)}
            doc["summary"] = summary(doc, lang, ctx.policy.timezone)
            return doc
        key = link["account_id"]
    detail = _detail(ctx, key, now)
    if detail is None:
        return None
    doc = {**base, **_account(ctx, detail, now, lang)}
    doc["summary"] = summary(doc, lang, ctx.policy.timezone)
    return doc


def _detail(ctx: Any, key: str, now: datetime) -> dict[str, Any] | None:
    """The account as ``entsync account --json`` shows it."""
    policy = ctx.policy
    return account_queries.account_detail(
        ctx.db, key, now=now, grace=policy.overdue_grace, notice_days=policy.removal_notice_days,
        tz=policy.timezone, policy=policy,
    )  # fmt: skip


def _record(ctx: Any, uai: str, kind: str, key: str) -> dict[str, Any] | None:
    return siecle_person_queries.person(ctx.db, uai, kind, key, identity=True)


def _account(ctx: Any, detail: dict[str, Any], now: datetime, lang: str) -> dict[str, Any]:
    jointure, aid = detail["jointure"], detail["account_id"]
    entries = account_history(ctx, jointure) or []
    generation = generation_of(jointure, entries)
    mine = [e for e in entries if e.get("generation", generation) == generation]
    anomalies = explain_queries.anomalies_of(ctx.db, aid, jointure, now, ctx.policy.overdue_grace, ctx.policy)
    records = [
        {**found, "kind": r.kind}
        for r in history_queries.linked_records(ctx.db, aid)
        if (found := _record(ctx, r.uai, r.kind, r.key)) is not None
    ]
    return {
        "subject": "account",
        "name": explain_queries.name_of(detail.get("attributes") or {}),
        "account": detail,
        "generation": generation,
        "generations": _generations(ctx, jointure, entries, now),
        "explanation": explained(ctx, aid, detail, entries, now, lang, anomalies),
        "history": mine,
        "links": {"guardians": detail.get("guardians", []), "students": detail.get("students", [])},
        "logins": {"current": detail.get("login") or "", "reserved": detail.get("logins", [])},
        "siecle_records": records,
        "anomalies": anomalies,
        "rejections": search_sources.account_rejections(ctx.db, jointure, aid),
    }


def _generations(ctx: Any, jointure: str, entries: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Each account the jointure had, by reference: another generation is another person."""
    base = jointure.split("#")[0]
    out = []
    for n in sorted({e.get("generation", 1) for e in entries if "version" in e}):
        found = _detail(ctx, str(account_id(base, n)), now)
        if found is not None:
            out.append({"generation": n, "account_id": found["account_id"], "state": found["state"]})
    return out


def _record_only(ctx: Any, record: dict[str, Any], named: tuple[str, str, str]) -> dict[str, Any]:
    """A SIECLE record linked to no account: the record, its facts and rejections."""
    uai, kind, key = named
    facts = record_facts(ctx.log, LinkedRecord(record["stream_id"], kind, uai, key))
    return {
        "subject": "siecle_record",
        "name": " ".join(p for p in (record.get("family_name"), record.get("given_name")) if p),
        "account": None,
        "generation": None,
        "generations": [],
        "explanation": {},
        "history": facts,
        "links": {"siecle": record.get("related", [])},
        "logins": {"current": "", "reserved": []},
        "siecle_records": [{**record, "kind": kind}],
        "anomalies": [],
        "rejections": record.get("rejections", []),
    }
