"""The wording of the account explanation (events/explanation.py): its
sentences in French and English, a table per kind — the states, the rules
(why), the removals, and the rest keyed by name (``_T``: (French, English)).
Pure data."""

from __future__ import annotations

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
