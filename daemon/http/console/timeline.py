"""The account page's wording (issue 16): an account's history
(daemon/history/, as ``GET /api/v1/accounts/{key}/history`` serves it)
turned into the rows of its timeline — the time in the configured zone, the
source, the event in French beside its code, the delivery or import, the
file and line, and what changed as before/after pairs — and the French
labels of the codes the page shows. Pure: a function of the facts.

A data table for the most part (labels by code); a code without a label is
shown as it is, beside a French word that says what it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SOURCES = {"aaf": "AAF", "siecle": "SIECLE", "timetable": "EDT/STS", "admin": "administration",
           "clock": "horloge", "upgrade": "mise à jour"}  # fmt: skip

# By the event's full name first, then by its last part (SiecleStudent.Changed → Changed).
EVENTS = {
    "Appeared": "apparu dans la source",
    "Reappeared": "réapparu dans la source",
    "Changed": "fiche modifiée",
    "Eligible": "devenu éligible à un compte",
    "AccountCreated": "compte créé",
    "ManualCreated": "compte manuel créé",
    "SuccessorOpened": "nouveau compte ouvert après écrasement",
    "FieldsSetAside": "champs écartés (valeur invraisemblable)",
    "Reclassified": "profil changé",
    "OverwriteSuspected": "écrasement suspecté",
    "OverwriteConfirmed": "écrasement confirmé",
    "Suspended": "compte suspendu",
    "Resumed": "suspension levée",
    "Departed": "départ",
    "Withdrawn": "retiré de la source",
    "LeftSource": "absent de la source",
    "Deactivated": "compte désactivé",
    "LoginRenamed": "identifiant renommé",
    "Declined": "pas de compte",
    "Removed": "compte supprimé",
    "RemovalRescheduled": "date de suppression recalculée",
    "RemovalDeferred": "suppression reportée",
    "CreationClockAdvanced": "délai de création avancé",
    "DepartureDeclared": "départ déclaré",
    "DepartureCancelled": "départ annulé",
    "DuplicateMarked": "marqué doublon",
    "DuplicateUnmarked": "marque de doublon retirée",
    "Attached": "rattaché à un autre établissement",
    "AttachmentEnded": "rattachement terminé",
    "Enrolled": "inscrit (SIECLE)",
    "LeavingDateSet": "date de sortie renseignée",
    "LeavingDateCleared": "date de sortie effacée",
    "Unenrolled": "désinscrit (SIECLE)",
    "Reenrolled": "réinscrit (SIECLE)",
    "GuardiansSwapped": "responsables échangés",
    "Swapped": "responsable échangé",
    "GuardianLinked": "responsable lié",
    "GuardianLinkChanged": "lien de responsable modifié",
    "GuardianUnlinked": "responsable délié",
    "AccountLinked": "fiche liée au compte",
    "LinkUnresolved": "fiche non reliée à un compte",
    "AccountsMerged": "comptes fusionnés",
    "PersonErased": "données personnelles effacées",
    "AccountsUnmerged": "fusion annulée",
    "GroupCreated": "groupe créé",
    "GroupRenamed": "groupe renommé",
    "GroupDeleted": "groupe supprimé",
    "MembersAdded": "ajouté à un groupe",
    "MembersRemoved": "retiré d'un groupe",
    "TimetableImport.Applied": "emploi du temps appliqué",
    "TimetableImport.Validated": "emploi du temps validé",
    "TimetableImport.Read": "emploi du temps lu",
    "TimetableImport.MatchedByHand": "rapproché à la main (emploi du temps)",
}

FIELDS = {"sn": "nom", "givenName": "prénom", "ENTPersonDateNaissance": "date de naissance",
          "ENTPersonNomPatro": "nom de naissance", "personalTitle": "civilité", "mail": "courriel",
          "ENTEleveINE": "INE", "ENTEleveClasses": "classes", "ENTEleveGroupes": "groupes",
          "ENTPersonStructRattach": "établissement de rattachement", "ENTPersonAdresse": "adresse",
          "ENTPersonAutresPrenoms": "autres prénoms", "ENTElevePersRelEleve": "responsables",
          "ENTAuxPersRelEleveEleve": "enfants", "ENTPersonLogin": "identifiant", "login": "identifiant",
          "state": "état", "classes": "classes", "groups": "groupes", "structures": "établissements"}  # fmt: skip

FLAGS = {"overwrite_suspected": "écrasement suspecté", "set_aside": "champ écarté", "duplicate": "doublon",
         "link_unresolved": "lien non résolu", "not_matched": "non rapproché"}  # fmt: skip

DECISIONS = {"open": "à décider", "confirmed": "confirmée", "dismissed": "écartée"}


def event_label(event: str) -> str:
    return EVENTS.get(event) or EVENTS.get(event.rpartition(".")[2]) or "événement"


def erased_on(fact: dict[str, Any], zone: str) -> str:
    """The erasure's line says its day (issue 17): support tells the family when."""
    if fact["event"] != "Erasure.PersonErased":
        return ""
    return f"{EVENTS['PersonErased']} le {when(fact.get('at'), zone)[:10]}"


def when(at: str | None, zone: str) -> str:
    """An ISO time as support staff read it, in the académie's zone: 28/08/2026 11:00."""
    if not at:
        return ""
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(zone))
    return moment.strftime("%d/%m/%Y %H:%M")


def shown(value: Any) -> str:
    """A value of a change: lists joined, nothing as an empty string."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} : {shown(v)}" for k, v in value.items())
    return str(value)


def row(fact: dict[str, Any], zone: str, states: dict[str, str]) -> dict[str, Any]:
    """One fact as a timeline row."""
    changes = [
        {"field": name, "label": FIELDS.get(name, "attribut"), "before": shown(c.get("before")),
         "after": shown(c.get("after"))}
        for name, c in sorted((fact.get("changes") or {}).items())
    ]  # fmt: skip
    moved = fact.get("transition")
    if moved:
        before, after = moved.get("before"), moved.get("after")
        changes.insert(0, {"field": "state", "label": "état", "before": states.get(before or "", before or ""),
                           "after": states.get(after or "", after or "")})  # fmt: skip
    return {
        "at": when(fact.get("at"), zone),
        "at_iso": fact.get("at") or "",
        "source": SOURCES.get(fact.get("source", ""), "autre"),
        "source_code": fact.get("source", ""),
        "event": erased_on(fact, zone) or event_label(fact["event"]),
        "event_code": fact["event"],
        "delivery_id": fact.get("delivery_id") or "",
        "import_id": fact.get("import_id") or "",
        "file": fact.get("file") or "",
        "line": fact.get("line"),
        "changes": changes,
        "flags": [{"label": FLAGS.get(f, "signal"), "code": f} for f in fact.get("flags") or []],
        "author": fact.get("author") or "",
        "reason": fact.get("reason") or "",
    }
