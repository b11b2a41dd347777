"""The French words of the console's imports and deliveries pages (issue 16):
statuses, the reasons records are rejected for (the code is shown beside
its sentence, so that a ticket can quote either), brake populations and
why a departure is not counted. A data table; a code it does not know is
shown as it is."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from events.timetable.bilan import KIND_FR
from events.timetable.bilan import REASONS_FR as TIMETABLE_REASONS

REASONS = {
    **TIMETABLE_REASONS,
    "malformed_xml": "fichier XML mal formé",
    "unreadable_file": "fichier illisible",
    "unreadable_archive": "archive illisible",
    "entity_declaration": "déclaration d'entité interdite dans le fichier",
    "wrong_root": "ce n'est pas le fichier attendu (élément racine inattendu)",
    "invalid_header": "en-tête du fichier invalide",
    "invalid_uai": "UAI invalide",
    "invalid_ine": "INE invalide",
    "invalid_link": "lien vers une personne ou une structure invalide",
    "missing_identifier": "identifiant absent",
    "missing_ine": "INE absent",
    "missing_parametres": "paramètres de l'export absents",
    "missing_part": "une partie de la livraison manque",
    "mixed_delivery": "livraison mêlant plusieurs dates ou préfixes",
    "duplicate_link": "lien déclaré deux fois",
    "duplicate_part": "partie de livraison reçue deux fois",
    "jointure_mismatch": "la jointure ne correspond pas au compte",
    "implausible_value": "valeur invraisemblable, écartée",
    "mass_departure": "trop de départs d'un coup : frein sur les départs massifs",
    "older_export": "export plus ancien que le dernier appliqué",
    "duplicate_file": "fichier déjà reçu",
    "unknown_uai": "établissement inconnu",
}
DELIVERY_STATUSES = {
    "received": "reçue",
    "applying": "en cours d'application",
    "applied": "appliquée",
    "held": "retenue",
    "released": "libérée",
    "waiting": "en attente derrière une livraison retenue",
    "rejected": "rejetée",
}
SIECLE_STATUSES = {**DELIVERY_STATUSES, "applied": "appliqué", "held": "retenu", "released": "libéré",
                   "rejected": "rejeté", "received": "reçu", "duplicate": "doublon d'un fichier déjà reçu"}  # fmt: skip
SIECLE_KINDS = {"eleves": "élèves", "responsables": "responsables"}
POPULATIONS = {
    "students": "élèves",
    "teaching_staff": "enseignants",
    "other_staff": "autres personnels",
    "guardians": "responsables",
}
PROFILES = {"ELEVE": "élève", "PARENT": "responsable", "ENSEIGNANT": "enseignant",
            "NON_ENSEIGNANT": "personnel non enseignant"}  # fmt: skip
EXPECTED = {
    "siecle_leaving_date": "date de sortie connue dans SIECLE",
    "final_year": "dernière année de l'établissement (3e, terminale)",
    "corrected_duplicate": "doublon corrigé",
    "follows_children": "suit ses enfants",
    "no_account_to_lose": "pas de compte à perdre",
}
DONE = {
    "valide": "L'import a été validé : il est appliqué.",
    "liberee": "La livraison a été libérée : elle est appliquée telle qu'elle a été reçue.",
    "rejetee": "La livraison a été rejetée : rien n'en a été appliqué.",
    "siecle-libere": "L'import SIECLE a été libéré : il est appliqué.",
    "siecle-rejete": "L'import SIECLE a été rejeté : rien n'en a été appliqué.",
}


ZONE = ZoneInfo("Europe/Paris")  # the establishments' time, as their consoles show it


def when(iso: str | None) -> str:
    """An ISO instant as "28/08/2026 10:00" in French time; "—" if none."""
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone(ZONE).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso


def reason(code: str) -> str:
    return REASONS.get(code, "")


def kind(code: str) -> str:
    return KIND_FR.get(code, code)


def departures(rows: list[dict[str, Any]], ids: dict[str, str]) -> dict[str, Any]:
    """Who would depart, with each one's account id when the directory knows
    it, and the counts by establishment and profile (counted and expected)."""
    listed = [{"login": "", **d, "account_id": ids.get(d["jointure"], "")} for d in rows]
    counts: Counter[tuple[str, str, bool]] = Counter()
    for d in listed:
        for uai in d["uais"] or [""]:
            counts[(uai, d["profile"], bool(d["counted"]))] += 1
    table = sorted({(u, p) for u, p, _ in counts})
    return {
        "listed": listed,
        "counts": [
            {
                "uai": u,
                "profile": PROFILES.get(p, p),
                "counted": counts[(u, p, True)],
                "expected": counts[(u, p, False)],
            }
            for u, p in table
        ],
    }
