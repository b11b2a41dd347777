"""The French words of the counts and messages the imports and deliveries
pages show (issue 16): a bilan's counts are keyed by codes made for the CLI,
the metrics and scripts (``subjects_added``, ``events_Eleve``,
``event_Enrolled``), and an import's message is the CLI's English with its
commands. The console shows a French label beside each code, and a French
sentence from the import's status and reason in place of the message (kept
aside as a technical detail an operator may be quoted). A data table for
the most part; a code it does not know is shown as it is."""

from __future__ import annotations

from typing import Any

from daemon.http.console.timeline import EVENTS

COUNTS = {
    # AAF deliveries (events/usecases/aaf_scan.py, aaf_apply.py)
    "staged": "enregistrements retenus pour l'application",
    "unchanged": "inchangés",
    "added": "ajoutés",
    "changed": "modifiés",
    "deleted": "supprimés",
    "reread_known": "relus, déjà connus",
    "rejected": "rejetés",
    "records": "enregistrements",
    "fields_set_aside": "champs écartés (valeur invraisemblable)",
    "arrived_by_modify": "arrivés par une modification",
    "guardians_swapped": "responsables échangés",
    "overwrites_suspected": "écrasements suspectés",
    # SIECLE imports (events/usecases/siecle_records.py, siecle_apply.py)
    "students_added": "élèves ajoutés",
    "students_changed": "élèves modifiés",
    "students_unchanged": "élèves inchangés",
    "students_absent": "élèves absents de l'export",
    "guardians_added": "responsables ajoutés",
    "guardians_changed": "responsables modifiés",
    "guardians_unchanged": "responsables inchangés",
    "guardians_absent": "responsables absents de l'export",
    "students_links_changed": "liens élève-responsable modifiés",
    "correlations_changed": "rapprochements avec un compte AAF modifiés",
    # SIECLE holds (events/usecases/siecle_hold.py)
    "leaving_dates_set": "dates de sortie renseignées",
    "departures": "départs",
    "counted": "départs comptés par le frein",
    # timetables (events/timetable/changes.py)
    "subjects_added": "matières ajoutées",
    "subjects_modified": "matières modifiées",
    "services_added": "services ajoutés",
    "services_modified": "services modifiés",
    "services_deleted": "services supprimés",
    "sessions_removed": "séances retirées",
    "groups_created": "groupes créés",
    "groups_renamed": "groupes renommés",
    "students_leaving_classes": "élèves quittant une classe",
    "teachers_leaving_classes": "enseignants quittant une classe",
    "structures_deleted_with_sessions": "classes ou groupes supprimés alors qu'ils ont des séances",
}
CATEGORIES = {"Eleve": "élèves", "PersRelEleve": "responsables", "PersEducNat": "personnels de l'Éducation nationale",
              "EtabEducNat": "établissements", "MatiereEducNat": "matières", "MefEducNat": "formations (MEF)"}  # fmt: skip

# An import's status (and reason) said in French, in place of the CLI's message.
SAID = {
    "awaiting_validation": "Premier import de l'année scolaire : vérifiez les rapprochements ci-dessous, faites "
    "rapprocher à la main ce qui doit l'être, puis validez l'import.",
    "threshold_exceeded": "Au-delà des seuils de changement ({over}) : rien n'a été appliqué. Un opérateur peut "
    "relancer l'import en levant un seuil, sauf celui des classes ou groupes supprimés avec des séances.",
    "held": "Retenu par le frein sur les départs : rien n'a été appliqué. Un opérateur le libère ou le rejette "
    "(voir qui partirait ci-dessous).",
}


def count(code: str) -> str:
    """A bilan count's French label: by its code, else by its prefix (per AAF category, per event)."""
    if code in COUNTS:
        return COUNTS[code]
    if code.startswith("events_"):
        category = code.removeprefix("events_")
        return f"enregistrements {CATEGORIES.get(category, category)} lus"
    if code.startswith("event_"):
        name = code.removeprefix("event_")
        return f"événements « {EVENTS.get(name, name)} »"
    return code


def message(row: dict[str, Any], reason_label: str) -> str:
    """The French sentence an import's page shows for its status and reason
    (``reason_label``: the reason's French label, if any); "" when there is
    nothing to say."""
    status, reason = row.get("status") or "", row.get("reason") or ""
    if status == "awaiting_validation":
        return SAID[status]
    if reason == "threshold_exceeded":
        over = (row.get("details") or {}).get("thresholds") or {}
        return SAID[reason].format(over=", ".join(count(name) for name in sorted(over)) or "?")
    if status == "held":
        return SAID["held"]
    if reason_label:
        return f"Motif : {reason_label}."
    return ""
