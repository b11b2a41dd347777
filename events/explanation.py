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
own wording of the actions and times (events/console_wording.py), French."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events import console_wording
from events.anomaly import short

STATES = {  # French; English says the code
    "pending": "en attente de création",
    "active": "actif",
    "departing": "en départ",
    "deactivated": "désactivé",
    "suspended": "suspendu",
    "removed": "supprimé",
    "withdrawn": "retiré",
    "no_account": "sans compte",
}

# rule → (French, English); fields are the ``why`` dict's, times already shown.
WHY = {
    "creation_delay": (
        "Apparu dans la livraison AAF {delivery_id} ({where}) le {at} ; "
        "le compte est créé {delay} h après, échéance le {due} (domain-rules §3).",
        "Appeared in the AAF delivery {delivery_id} ({where}) on {at}; "
        "created {delay} h after, due {due} (domain-rules §3).",
    ),
    "siecle_first": (
        "Vu d'abord dans l'import SIECLE {import_id} ({where}) le {at} : le délai de création "
        "court depuis (précédence, domain-rules §11) ; échéance le {due}.",
        "First seen in the SIECLE import {import_id} ({where}) on {at}: the creation delay runs "
        "from then (precedence, domain-rules §11); due {due}.",
    ),
    "created": (
        "Compte créé le {at} par l'horloge, à l'échéance du {due} (domain-rules §3).",
        "Created on {at} by the clock, due {due} (domain-rules §3).",
    ),
    "manual": (
        "Compte manuel créé le {at} par {author} ({reason}).",
        "Manual account created on {at} by {author} ({reason}).",
    ),
    "aaf_departure": (
        "A quitté la livraison AAF complète {delivery_id} le {at}.",
        "Left the AAF complete delivery {delivery_id} on {at}.",
    ),
    "overwrite_confirmed": (
        "Remplacé le {at} : l'écrasement (anomalie {anomaly}) a été confirmé par {author} ({reason}) ; "
        "la fiche décrit une autre personne, qui a son propre compte {successor_id} (domain-rules §5).",
        "Replaced on {at}: the overwrite (anomaly {anomaly}) was confirmed by {author} ({reason}); "
        "the record describes another person, who has their own account {successor_id} (domain-rules §5).",
    ),
    "siecle_leaving_date": (
        "Date de sortie SIECLE {left_on} (import {import_id}, {where}), prise en compte le {at}.",
        "SIECLE leaving date {left_on} (import {import_id}, {where}), recorded on {at}.",
    ),
    "duplicate": (
        "Désactivé le {at} comme doublon de {duplicate_of} (livraison {delivery_id}, domain-rules §11) ; "
        "suppression le {deletion_due}.",
        "Deactivated on {at} as a duplicate of {duplicate_of} (delivery {delivery_id}, domain-rules §11); "
        "deleted on {deletion_due}.",
    ),
    "duplicate_mark": (
        "Marqué doublon de {duplicate_of} par {author} le {at} ({reason}) ; suppression le {deletion_due}.",
        "Marked a duplicate of {duplicate_of} by {author} on {at} ({reason}); deleted on {deletion_due}.",
    ),
    "suspended": (
        "Suspendu le {at} pour l'anomalie {anomaly} (compte écrasé suspecté) jusqu'à la décision d'un opérateur.",
        "Suspended on {at} for the anomaly {anomaly} (suspected overwritten account) until an operator decides.",
    ),
    "removed": ("Supprimé le {at} ({reason}).", "Removed on {at} ({reason})."),
    "withdrawn": ("Retiré le {at} ({reason}).", "Withdrawn on {at} ({reason})."),
    "declined": ("Pas de compte : {reason} (le {at}).", "No account: {reason} (on {at})."),
    "other": (
        "Dans cet état depuis le {at} ({event}, source {source}).",
        "In this state since {at} ({event}, source {source}).",
    ),
}

REMOVAL = {
    "toussaint": (
        "Suppression prévue le {removal_due} : premières vacances de Toussaint après le départ (domain-rules §4), "
        "préavis d'au moins {notice_days} jours respecté (§12).",
        "Removal due {removal_due}: the first Toussaint holidays after the departure (domain-rules §4), "
        "at least {notice_days} days of notice (§12).",
    ),
    "minimum_notice": (
        "Suppression prévue le {removal_due} : le préavis minimal de {notice_days} jours après le départ connu "
        "passe après la Toussaint (domain-rules §12).",
        "Removal due {removal_due}: the minimum notice of {notice_days} days after the departure was known "
        "ends after the Toussaint holidays (domain-rules §12).",
    ),
    "": ("Suppression prévue le {removal_due} (domain-rules §4).", "Removal due {removal_due} (domain-rules §4)."),
}

_T = {
    "who": (
        "{name} : compte {profile} de {establishments}, {classes}, {login}, état « {state} ».",
        "{name}: {profile} account of {establishments}, {classes}, {login}, state '{state}'.",
    ),
    "no_establishment": ("aucun établissement", "no establishment"),
    "classes": ("classes et groupes {classes}", "classes and groups {classes}"),
    "no_classes": ("aucune classe", "no class"),
    "login": ("identifiant {login}", "login {login}"),
    "no_login": ("pas encore d'identifiant", "no login yet"),
    "overdue": (
        "En retard : jugé le {now}, l'échéance plus la tolérance de {grace} h est dépassée (domain-rules §12).",
        "Overdue: judged at {now}, past the due time plus the {grace} h grace (domain-rules §12).",
    ),
    "not_overdue": ("Pas en retard le {now}.", "Not overdue at {now}."),
    "provisional": (
        "Date provisoire : la Toussaint de cette année n'est pas dans le calendrier configuré.",
        "Provisional date: that year's Toussaint is not in the configured calendar.",
    ),
    "generation": (
        "C'est le compte n°{generation} de cette jointure depuis le {at} (écrasement confirmé, anomalie {anomaly}).",
        "This jointure's account n°{generation} since {at} (a confirmed overwrite, anomaly {anomaly}).",
    ),
    "merged": ("A absorbé les comptes {merged_from} (fusion).", "Absorbed the accounts {merged_from} (a merge)."),
    "erased": ("Données personnelles effacées le {at}.", "Personal data erased on {at}."),
    "no_anomaly": ("Aucune anomalie ne concerne ce compte.", "No anomaly concerns this account."),
    "anomaly": ("Anomalie « {label} » ({code}) : {detail}", "Anomaly '{label}' ({code}): {detail}"),
    "decidable": (" [id {id}, décision : {decision}]", " [id {id}, decision: {decision}]"),
    "nothing": ("Rien à faire.", "Nothing to do."),
    "wait": (
        "Rien à faire : le compte sera créé à l'échéance par l'ordonnanceur.",
        "Nothing to do: the scheduler creates the account when due.",
    ),
    "departing": (
        "Si le départ est une erreur, faire corriger la source (AAF ou SIECLE) avant le {removal_due}.",
        "If the departure is a mistake, have the source (AAF or SIECLE) corrected before {removal_due}.",
    ),
    "duplicate": (
        "Vérifier que {duplicate_of} est la même personne ; sinon annuler (entsync admin unmark-duplicate).",
        "Check that {duplicate_of} is the same person; otherwise undo it (entsync admin unmark-duplicate).",
    ),
    "decide": (
        "Décider : entsync anomalies confirm {id} ou entsync anomalies dismiss {id}.",
        "Decide: entsync anomalies confirm {id} or entsync anomalies dismiss {id}.",
    ),
}


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
