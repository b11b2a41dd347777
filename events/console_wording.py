"""The support console's own wording of an explanation (issue 16): the
console's reader has a browser, not a terminal, so what the CLI says as a
command (``entsync anomalies confirm ID``, ``entsync history``) the console
says as the page's buttons and sections, and times read as French dates in
the establishments' zone ("17 septembre 2026 à 08:00") instead of ISO 8601.
Pure: events/explanation.py picks these with ``medium="console"``; the CLI
and the API keep their text.

Data tables for the most part: sentences by the explanation's key, and the
actions of the anomaly kinds whose catalogue text names a command."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ZONE = "Europe/Paris"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip

# The explanation's sentences (events/explanation_wording.py ``_T``) the console says otherwise; French only.
SENTENCES = {
    "decide": (
        "Décider avec les boutons « Confirmer l'anomalie » ou « Écarter l'anomalie » de la section "
        "« Anomalies » ci-dessous (anomalie n° {id} ; administrateur de l'établissement ou opérateur)."
    ),
    "decide_elsewhere": (
        "Faire décider l'anomalie n° {id} (page « Anomalies » : confirmer ou écarter) "
        "par l'administrateur de l'établissement ou un opérateur."
    ),
    "duplicate": (
        "Vérifier que {duplicate_of} est la même personne ; sinon, demander à un opérateur d'annuler "
        "la marque de doublon."
    ),
    "anomaly": "Anomalie « {label} » ({code}).",
}

# Anomaly kinds whose action (events/anomaly_kinds.py) names a command or a metric.
ACTIONS = {
    "creation_overdue": (
        "Signaler à un opérateur : le compte n'a pas été créé à l'échéance, l'ordonnanceur est peut-être arrêté."
    ),
    "suspected_overwrite": (
        "Comparer avec la section « Historique » de la fiche du compte (la livraison qui a changé la fiche), "
        "puis confirmer (nouveau compte pour la nouvelle personne) ou écarter."
    ),
    "manual_account_of_aaf_person": (
        "Demander à un opérateur de fusionner le compte manuel dans le compte AAF, ou de le clore."
    ),
    "merge_side_departed": "Demander à un opérateur de défaire la fusion, ou laisser partir le compte.",
}


def action(code: str, said: str) -> str:
    """The console's action for an anomaly of kind ``code`` whose catalogue action is ``said``."""
    return ACTIONS.get(code, said)


def french_time(value: str | None, zone: str = ZONE) -> str:
    """An ISO 8601 time as a French date in ``zone`` ("17 septembre 2026 à
    08:00"), a bare date as "1er octobre 2026"; "?" when none, the value
    as it is when it is no time."""
    if not value:
        return "?"
    try:
        if len(value) == 10:
            return _day(date.fromisoformat(value))
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(zone))
    return f"{_day(moment.date())} à {moment:%H:%M}"


def _day(day: date) -> str:
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"
