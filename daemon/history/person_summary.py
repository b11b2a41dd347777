"""The readable summary of a person's export (daemon/history/person.py):
who they are, since when the store knows them, which sources hold what,
their identifiers and links, the anomalies and rejected records, and what
happened, one fact a line. In French for the person who asked their school
(the default), or English; French dates as the console writes them
(events/console_wording.py), the sentences of the explanation
(events/explanation.py)."""

from __future__ import annotations

from typing import Any

from events import explanation
from events.console_wording import french_time

# Wording of each line, (French, English).
_T = {
    "title": ("Données détenues par entsync sur {name}, exportées le {at}.",
              "Data entsync holds on {name}, exported on {at}."),
    "who": ("Qui : {text}", "Who: {text}"),
    "record_only": ("Qui : {name}, connu(e) de SIECLE seulement, sans compte ENT.",
                    "Who: {name}, known to SIECLE only, without an ENT account."),
    "since": ("Depuis : première trace le {at} ({source}).", "Since: first recorded on {at} ({source})."),
    "why": ("Pourquoi : {text}", "Why: {text}"),
    "sources": ("Sources qui en détiennent des données :", "Sources holding data on them:"),
    "source": ("  - {source} : {n} fait(s), du {first} au {last}", "  - {source}: {n} fact(s), {first} to {last}"),
    "ids": ("Identifiants : {jointure} ; identifiant de connexion : {login} ; identifiants réservés : {reserved}.",
            "Identifiers: {jointure}; login: {login}; reserved logins: {reserved}."),
    "guardians": ("Responsables liés : {list}.", "Guardians linked: {list}."),
    "students": ("Élèves liés : {list}.", "Students linked: {list}."),
    "record": ("Fiche SIECLE : {kind} {key} de l'établissement {uai} ({name}).",
               "SIECLE record: {kind} {key} of establishment {uai} ({name})."),
    "anomalies": ("Anomalies qui les nomment : {n}.", "Anomalies naming them: {n}."),
    "rejections": ("Enregistrements rejetés à leur nom : {n}.", "Records of theirs rejected: {n}."),
    "rejection": ("  - {at} : {source} {file} ligne {line}, {reason}", "  - {at}: {source} {file} line {line}, {reason}"),
    "happened": ("Ce qui s'est passé ({n} faits) :", "What happened ({n} facts):"),
    "fact": ("  - {at} — {source} — {event}{where}", "  - {at} — {source} — {event}{where}"),
    "erased": ("Données personnelles effacées le {at} (compte supprimé le {removed}, après {days} jours).",
               "Personal data erased on {at} (account removed on {removed}, after {days} days)."),
    "none": ("aucun", "none"),
}  # fmt: skip
SOURCES = {
    "aaf": ("AAF (annuaire fédérateur de l'académie)", "AAF (the académie's directory)"),
    "siecle": ("SIECLE (base élèves de l'établissement)", "SIECLE (the establishment's pupils database)"),
    "timetable": ("emploi du temps et STS-web", "timetable and STS-web"),
    "admin": ("administrateurs et opérateurs", "administrators and operators"),
    "clock": ("règles de calendrier d'entsync", "entsync's calendar rules"),
    "upgrade": ("mise à jour d'entsync", "entsync upgrade"),
}
WHERE = {"file": ("fichier", "file"), "line": ("ligne", "line")}
RECORD_KINDS = {"student": ("élève", "student"), "guardian": ("responsable", "guardian")}


def _say(key: str, lang: str, /, **values: Any) -> str:
    fr, en = _T[key]
    return (en if lang == "en" else fr).format(**values)


def _when(value: str | None, lang: str, zone: str) -> str:
    return (value or "?") if lang == "en" else french_time(value, zone)


def _day(value: str, lang: str, zone: str) -> str:
    return value[:10] if lang == "en" else french_time(value, zone).split(" à ")[0]


def _source(name: str, lang: str) -> str:
    fr, en = SOURCES.get(name, (name, name))
    return en if lang == "en" else fr


def summary(doc: dict[str, Any], lang: str, zone: str) -> str:
    """The summary of the export ``doc``, times in ``zone``."""
    facts = [f for f in doc["history"] if f.get("at")]
    lines = [_say("title", lang, name=doc["name"] or doc["key"], at=_when(doc["exported_at"], lang, zone))]
    explained = doc.get("explanation") or {}
    if doc["account"] is None:
        lines.append(_say("record_only", lang, name=doc["name"]))
    else:
        lines.append(_say("who", lang, text=explanation.who(explained, lang)))
    if facts:
        first = facts[0]
        lines.append(_say("since", lang, at=_when(first["at"], lang, zone), source=_source(first["source"], lang)))
    for f in facts:
        if f["event"] == "Erasure.PersonErased":
            at, removed = _day(f["at"], lang, zone), _day(f["removed_at"], lang, zone)
            lines.append(_say("erased", lang, at=at, removed=removed, days=f["retention_days"]))
    if explained.get("why"):
        medium = "cli" if lang == "en" else "console"  # French dates for the person
        lines.append(_say("why", lang, text=" ".join(explanation.why(explained, lang, medium))))
    lines.append(_say("sources", lang))
    for name in SOURCES:
        mine = [f for f in facts if f.get("source") == name]
        if mine:
            first, last = _when(mine[0]["at"], lang, zone), _when(mine[-1]["at"], lang, zone)
            lines.append(_say("source", lang, source=_source(name, lang), n=len(mine), first=first, last=last))
    lines += _identifiers(doc, lang)
    lines.append(_say("anomalies", lang, n=len(doc["anomalies"])))
    lines.append(_say("rejections", lang, n=len(doc["rejections"])))
    for r in doc["rejections"]:
        said = {k: r.get(k) or "?" for k in ("file", "line", "reason")}
        lines.append(
            _say("rejection", lang, at=_when(r.get("at"), lang, zone), source=r.get("source", "siecle"), **said)
        )
    lines.append(_say("happened", lang, n=len(doc["history"])))
    for f in doc["history"]:
        where = ", ".join(f"{WHERE[k][lang == 'en']} {f[k]}" for k in WHERE if f.get(k))
        event, source = f["event"], _source(f.get("source", ""), lang)
        lines.append(_say("fact", lang, at=_when(f.get("at"), lang, zone), source=source, event=event,
                          where=f" ({where})" if where else ""))  # fmt: skip
    return "\n".join(lines)


def _identifiers(doc: dict[str, Any], lang: str) -> list[str]:
    none = _say("none", lang)
    lines = []
    if doc["account"] is not None:
        logins = doc["logins"]
        reserved = ", ".join(logins["reserved"]) or none
        jointure = doc["account"]["jointure"]
        lines.append(_say("ids", lang, jointure=jointure, login=logins["current"] or none, reserved=reserved))
    for part in ("guardians", "students"):
        linked = doc["links"].get(part) or []
        if linked:
            lines.append(_say(part, lang, list=", ".join(p["jointure"] for p in linked)))
    for r in doc["siecle_records"]:
        kind = RECORD_KINDS[r["kind"]][1 if lang == "en" else 0]
        key = r.get("eleve_id") or r.get("personne_id") or "?"
        name = " ".join(p for p in (r.get("family_name"), r.get("given_name")) if p)
        lines.append(_say("record", lang, kind=kind, key=key, uai=r["uai"], name=name))
    return lines
