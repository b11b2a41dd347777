"""An account explained (``entsync explain``, ``GET
/api/v1/accounts/{key}/explanation``, issue 15): the structured facts —
who, the state and the rule and fact it rests on (from the account's
history, daemon/history/build.py), the due dates judged at ``now``, the
anomalies that name it with the catalogue's labels and actions — and the
sentences events/explanation.py builds from them. Reads the log and the
read models only; the read models are expected caught up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from daemon.history.build import account_history
from events import explanation
from events.anomaly_kinds import kind_of
from projections import account_queries, explain_queries

_WHERE = ("event", "at", "source", "delivery_id", "import_id", "file", "line")


def _ref(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in _WHERE if entry.get(k) not in (None, "")}


def _into(entries: list[dict[str, Any]], state: str) -> dict[str, Any] | None:
    """The last of the account's own facts that brought it to ``state``."""
    own = [e for e in entries if "version" in e and "merged_side" not in e]
    moved = [e for e in own if (e.get("transition") or {}).get("after") == state]
    return moved[-1] if moved else (own[-1] if own else None)


def _siecle_seen(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The SIECLE record's first fact, where a creation clock advanced by SIECLE started."""
    return next((e for e in entries if e.get("source") == "siecle" and e.get("import_id")), None)


def why(row: dict[str, Any], entries: list[dict[str, Any]], now: datetime, policy: Any) -> dict[str, Any]:
    """The rule the state rests on, its fact (event, time, delivery or import,
    file, line) and the dates that follow."""
    state = row["state"]
    fact = _into(entries, state) or {}
    w: dict[str, Any] = {"rule": "other", **_ref(fact)}
    if state == "pending":
        advanced = [e for e in entries if e["event"] == "CreationClockAdvanced"]
        seen = _siecle_seen(entries) if advanced else None
        if seen is not None:
            w = {"rule": "siecle_first", **_ref(seen)}
        else:
            appeared = next((e for e in entries if e["event"] in ("Appeared", "Reappeared", "Eligible")), fact)
            w = {"rule": "creation_delay", **_ref(appeared)}
        due = datetime.fromisoformat(row["creation_due"])
        first = datetime.fromisoformat(row["first_seen"])
        w |= {"due": row["creation_due"], "delay": round((due - first).total_seconds() / 3600)}
        w |= {"grace_hours": round(policy.overdue_grace.total_seconds() / 3600, 2)}
        w["overdue"] = now > due + policy.overdue_grace
    elif state == "active":
        if fact.get("event") == "AccountCreated":
            w = {"rule": "created", **_ref(fact), "due": row["creation_due"]}
        elif fact.get("event") == "ManualCreated":
            w = {"rule": "manual", **_ref(fact), "author": fact.get("author", ""), "reason": fact.get("reason", "")}
    elif state == "departing":
        if fact.get("event") == "DepartureDeclared" and fact.get("cause"):
            cause = fact["cause"]
            w = {"rule": "siecle_leaving_date", **_ref(cause), "at": fact["at"], "left_on": cause.get("left_on")}
        elif fact.get("event") == "Departed" and fact.get("reason") == "overwrite_confirmed":
            confirmed = next((e for e in entries if e["event"] == "OverwriteConfirmed"), fact)
            w = {"rule": "overwrite_confirmed", **_ref(confirmed), "anomaly": confirmed.get("anomaly_id", "")}
            w |= {k: confirmed.get(k, "") for k in ("author", "reason", "successor_id")}
        elif fact.get("event") == "Departed":
            w = {"rule": "aaf_departure", **_ref(fact)}
        w |= {"removal_due": row.get("removal_due"), "provisional": bool(row.get("removal_provisional"))}
        w |= {"removal_basis": row.get("removal_basis", ""), "notice_days": policy.removal_notice_days}
    elif state == "deactivated":
        marked = fact.get("event") == "DuplicateMarked"
        w = {"rule": "duplicate_mark" if marked else "duplicate", **_ref(fact)}
        w |= {k: fact.get(k, "") for k in ("duplicate_of", "author", "reason")}
        w["deletion_due"] = fact.get("deletion_due") or row.get("removal_due")
    elif state == "suspended":
        w = {"rule": "suspended", **_ref(fact), "anomaly": fact.get("anomaly_id", "")}
    elif state in ("removed", "withdrawn"):
        w = {"rule": state, **_ref(fact), "reason": fact.get("reason", "")}
        erased = next((e for e in entries if e["event"] == "Erasure.PersonErased"), None)
        if erased is not None:
            w["erased_at"] = erased["at"]
    elif state == "no_account":
        w = {"rule": "declined", **_ref(fact), "reason": fact.get("reason", "")}
    opened = next((e for e in entries if e["event"] == "SuccessorOpened"), None)
    if opened is not None:
        w |= {"generation_at": opened["at"], "generation_anomaly": opened.get("anomaly_id", "")}
    return w


def generation_of(jointure: str, entries: list[dict[str, Any]]) -> int:
    """An ended generation's jointure reads ``J#n``; the current one is the last."""
    _, mark, n = jointure.partition("#")
    return int(n) if mark and n.isdigit() else max([1, *(e.get("generation", 1) for e in entries)])


def explain(ctx: Any, key: str, now: datetime, lang: str) -> dict[str, Any] | None:
    """The explanation of the account ``key`` (jointure, login, account id)
    judged at ``now``: its facts and ``sentences`` in ``lang``; None when no
    account has this key."""
    policy = ctx.policy
    row = account_queries.account_detail(
        ctx.db, key, now=now, grace=policy.overdue_grace, notice_days=policy.removal_notice_days,
        tz=policy.timezone, policy=policy,
    )  # fmt: skip
    if row is None:
        return None
    return explained(ctx, key, row, account_history(ctx, row["jointure"]) or [], now, lang)


def explained(
    ctx: Any,
    key: str,
    row: dict[str, Any],
    entries: list[dict[str, Any]],
    now: datetime,
    lang: str,
    rows: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``explain`` of an account whose detail (``row``), history (``entries``,
    every generation of its jointure) and, if read already, anomaly rows
    (explain_queries.anomalies_of) the caller holds."""
    policy = ctx.policy
    # A jointure's history holds every generation: the account explained is one of them.
    generation = generation_of(row["jointure"], entries)
    entries = [e for e in entries if e.get("generation", generation) == generation]
    attrs = row.get("attributes") or {}
    if rows is None:
        rows = explain_queries.anomalies_of(
            ctx.db, row["account_id"], row["jointure"], now, policy.overdue_grace, policy
        )
    found = []
    for r in rows:
        kind = kind_of(r["anomaly"])
        one = {
            "code": r["anomaly"],
            "label": kind.label(lang),
            "action": kind.action(lang),
            "detail": r.get("detail") or "",
        }
        one |= {k: r[k] for k in ("id", "decision", "at") if r.get(k)}
        found.append(one)
    facts: dict[str, Any] = {
        "key": key,
        "account_id": row["account_id"],
        "jointure": row["jointure"],
        "name": explain_queries.name_of(attrs),
        "profile": row["profile"],
        "establishments": sorted({s["uai"] for s in row["structures"] if s["uai"]}),
        "classes": sorted({m["code"] for m in row["memberships"]}),
        "login": row["login"] or "",
        "state": row["state"],
        "generation": generation,
        "now": now.isoformat(),
        "why": why(row, entries, now, policy),
        "anomalies": found,
        "lang": lang,
    }
    if row.get("merged_from"):
        facts["merged_from"] = list(row["merged_from"])
    facts["sentences"] = explanation.sentences(facts, lang)
    return facts
