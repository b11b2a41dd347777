"""An account explained in plain sentences (``entsync explain``, issue 15),
in French (support staff's language, the default) or English: who the
account is, why it is in its state (the rule and the fact it rests on, with
its delivery or import, file and line, and the due dates), the anomalies
that concern it and what to do. Pure: a function of the structured facts
daemon/history/explain.py gathers from the log and the read models, so that
every sentence is tested as a table without a store.

``facts`` keys: name, profile, establishments, classes, login, state,
generation, now, why (a dict: ``rule`` and what the rule's sentence
names), anomalies (rows: code, label, action, detail, id, decision).

``medium`` "cli" (the CLI and the API) or "console": the support console's
own wording of the actions and times (events/console_wording.py), French. The sentences themselves:
events/explanation_wording.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events import console_wording
from events.anomaly import short
from events.explanation_wording import _T, REMOVAL, STATES, WHY


class _Known(dict[str, Any]):
    """A fact's fields for a sentence; one the fact lacks reads ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"


def _say(key: str, lang: str, medium: str = "cli", **values: Any) -> str:
    fr, en = _T.get(key, ("", ""))  # a console-only sentence is in console_wording
    if medium == "console" and lang == "fr":
        fr = console_wording.SENTENCES.get(key, fr)
    return (en if lang == "en" else fr).format(**values)


def when(value: str | None, medium: str = "cli") -> str:
    """A time as the facts hold it (ISO 8601: the CLI shows it in the configured
    zone), or as a French date for the console."""
    return console_wording.french_time(value) if medium == "console" else value or "?"


def state_label(state: str, lang: str) -> str:
    return state.replace("_", " ") if lang == "en" else STATES.get(state, state)


def who(facts: Mapping[str, Any], lang: str) -> str:
    etabs = ", ".join(facts.get("establishments") or []) or _say("no_establishment", lang)
    classes = facts.get("classes") or []
    login = facts.get("login") or ""
    return _say(
        "who",
        lang,
        name=facts.get("name") or facts.get("jointure", "?"),
        profile=facts.get("profile") or "?",
        establishments=etabs,
        classes=_say("classes", lang, classes=", ".join(classes)) if classes else _say("no_classes", lang),
        login=_say("login", lang, login=login) if login else _say("no_login", lang),
        state=state_label(facts.get("state", ""), lang),
    )


def why(facts: Mapping[str, Any], lang: str, medium: str = "cli") -> list[str]:
    """Why the account is in its state: the rule's sentence, then the due dates."""
    w: dict[str, Any] = dict(facts.get("why") or {})
    rule = w.get("rule", "other")
    shown = {k: when(v, medium) if k in _TIMES and isinstance(v, str) else v for k, v in w.items()}
    shown["where"] = f"{w['file']}:{w['line']}" if w.get("line") else w.get("file") or "?"
    shown = {"reason": "", **shown}
    if "anomaly" in shown:
        shown["anomaly"] = short(str(shown["anomaly"]))
    out = []
    if facts.get("generation", 1) > 1 and w.get("generation_at"):
        out.append(
            _say(
                "generation",
                lang,
                generation=facts["generation"],
                at=when(w["generation_at"], medium),
                anomaly=short(str(w.get("generation_anomaly", ""))),
            )
        )
    fr, en = WHY.get(rule, WHY["other"])
    out.append((en if lang == "en" else fr).format_map(_Known(shown)))
    if facts.get("state") == "pending" and "overdue" in w:
        out.append(
            _say(
                "overdue" if w["overdue"] else "not_overdue",
                lang,
                now=when(facts.get("now"), medium),
                grace=f"{w['grace_hours']:g}",
            )
        )
    if facts.get("state") == "departing" and w.get("removal_due"):
        fr, en = REMOVAL.get(w.get("removal_basis", ""), REMOVAL[""])
        values = {"removal_due": when(w["removal_due"], medium), "notice_days": w.get("notice_days", "?")}
        out.append((en if lang == "en" else fr).format(**values))
        if w.get("provisional"):
            out.append(_say("provisional", lang))
    if facts.get("merged_from"):
        out.append(_say("merged", lang, merged_from=", ".join(facts["merged_from"])))
    if w.get("erased_at"):  # issue 17: the day support tells the family
        day = when(w["erased_at"], medium)
        out.append(_say("erased", lang, at=day.split(" à ")[0] if medium == "console" else day[:10]))
    return out


# Kinds whose detail says where to act (projections/state_anomalies.py).
_SAYS_WHERE = ("teacher_without_classes", "pupil_without_class")
_TIMES = ("at", "due", "removal_due", "deletion_due", "generation_at", "left_on")


def anomalies(facts: Mapping[str, Any], lang: str, medium: str = "cli") -> list[str]:
    rows = facts.get("anomalies") or []
    if not rows:
        return [_say("no_anomaly", lang)]
    out = []
    for row in rows:  # the console shows no detail: the CLI's, in English, names commands
        line = _say("anomaly", lang, medium, label=row["label"], code=row["code"], detail=row.get("detail") or "")
        if row.get("id"):
            decision = row.get("decision") or "open"
            said = _DECISIONS_FR.get(decision, decision) if lang == "fr" else decision
            line += _say("decidable", lang, id=short(row["id"]), decision=said)
        out.append(line)
    return out


# An operator's decision on an anomaly, as the French sentences say it.
_DECISIONS_FR = {"open": "à décider", "confirmed": "confirmée", "dismissed": "écartée"}


def actions(facts: Mapping[str, Any], lang: str, medium: str = "cli") -> list[str]:
    """The catalogue's action of each anomaly, once a kind, then the state's advice."""
    out: list[str] = []
    for row in facts.get("anomalies") or []:
        if row.get("id") and row.get("decision", "open") != "open":
            continue  # decided: the catalogue's "confirm or dismiss" is done
        if row.get("id"):
            out.append(_say("decide", lang, medium, id=short(row["id"])))
        action = row.get("action") or ""
        if medium == "console" and lang == "fr":
            action = console_wording.action(row["code"], action)
        elif action and row["code"] in _SAYS_WHERE and row.get("detail"):
            action = f"{action} ({row['detail']})"  # which source lacks what
        if action and action not in out:
            out.append(action)
    w = facts.get("why") or {}
    state = facts.get("state")
    if state == "pending" and not w.get("overdue"):
        out.append(_say("wait", lang))
    elif state == "departing" and w.get("removal_due"):
        out.append(_say("departing", lang, removal_due=when(w["removal_due"], medium)))
    elif state == "deactivated" and w.get("duplicate_of"):
        out.append(_say("duplicate", lang, medium, duplicate_of=w["duplicate_of"]))
    elif state == "suspended" and w.get("anomaly") and not any(r.get("id") for r in facts.get("anomalies") or []):
        out.append(
            _say("decide_elsewhere" if medium == "console" else "decide", lang, medium, id=short(str(w["anomaly"])))
        )
    return out or [_say("nothing", lang)]


def sentences(facts: Mapping[str, Any], lang: str, medium: str = "cli") -> dict[str, list[str]]:
    """The explanation: ``who``, ``why``, ``anomalies``, ``actions`` sentences."""
    return {
        "who": [who(facts, lang)],
        "why": why(facts, lang, medium),
        "anomalies": anomalies(facts, lang, medium),
        "actions": actions(facts, lang, medium),
    }
