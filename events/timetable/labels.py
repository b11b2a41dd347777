"""The French words of timetable imports: the history's status labels (001
§3.4), the bilan's titles and change sections (seed 004), and the lines
naming the thresholds an import went over."""

from __future__ import annotations

from typing import Any

from events.timetable.changes import Changes


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if k <= 1 else many}"


def report(changes: Changes, matched: dict[str, tuple[int, int]]) -> dict[str, list[str]]:
    """The bilan, section by section, in the labels of seed 004. ``matched``
    gives (imported, not imported) for 'classes', 'groupes' and 'enseignants'.
    Closure periods (périodes de fermeture) are not in the snapshot yet: the
    section is left out rather than printed with made-up zeros."""
    cls, grp, ens = (matched.get(k, (0, 0)) for k in ("classes", "groupes", "enseignants"))
    return {
        "Matières": [
            _n(len(changes.subjects_added), "matière ajoutée", "matières ajoutées"),
            _n(len(changes.subjects_modified), "matière modifiée", "matières modifiées"),
        ],
        "Services d'enseignement": [
            _n(len(changes.services_added), "service d'enseignement ajouté", "services d'enseignement ajoutés"),
            _n(len(changes.services_modified), "service d'enseignement modifié", "services d'enseignement modifiés"),
            _n(len(changes.services_deleted), "service d'enseignement supprimé", "services d'enseignement supprimés"),
            _n(changes.sessions_removed, "séance en moins", "séances en moins") + " depuis l'import précédent",
        ],
        "Classes / Services d'enseignement": [
            _n(cls[0], "classe dont les services ont été importés", "classes dont les services ont été importés"),
            _n(
                cls[1],
                "classe dont les services n'ont pas été importés",
                "classes dont les services n'ont pas été importés",
            ),
        ],
        "Groupes d'option / Services d'enseignement": [
            _n(
                grp[0],
                "groupe d'option dont les services ont été importés",
                "groupes d'option dont les services ont été importés",
            ),
            _n(
                grp[1],
                "groupe d'option dont les services n'ont pas été importés",
                "groupes d'option dont les services n'ont pas été importés",
            ),
        ],
        "Enseignants / Cours": [
            _n(ens[0], "enseignant dont les cours ont été importés", "enseignants dont les cours ont été importés"),
            _n(
                ens[1],
                "enseignant dont les cours n'ont pas été importés",
                "enseignants dont les cours n'ont pas été importés",
            ),
        ],
        "Gestion des classes et groupes d'option": [
            _n(len(changes.groups_created), "groupe d'option à créer", "groupes d'option à créer"),
            _n(len(changes.groups_renamed), "groupe d'option à renommer", "groupes d'option à renommer"),
        ],
    }


# The bilan's title by the import's status (seed 004), shared by the CLI and
# the inbox's outcome files.
BILAN_TITLES = {
    "awaiting_validation": "Bilan préliminaire d'import des données d'emploi du temps (à valider)",
    "rejected": "Bilan de l'import rejeté (rien n'a été appliqué)",
}
BILAN_TITLE = "Bilan de l'import des données d'emploi du temps"


def bilan_title(status: str) -> str:
    return BILAN_TITLES.get(status, BILAN_TITLE)


def report_text(title: str, sections: dict[str, list[str]]) -> str:
    lines = [title, ""]
    for name, items in sections.items():
        lines.append(f"- {name}")
        lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- French labels

# Status of an import in the history (001 §3.4), by status or rejection reason.
STATUS_LABELS = {
    "applied": "Import réalisé avec succès",
    "awaiting_validation": "En attente de validation",
    "received": "Reçu",
    "duplicate_file": "Rejet - Double du fichier d'import",
    "threshold_exceeded": "Rejet - Seuils de modifications dépassés",
    "unknown_uai": "Rejet - Établissement inconnu",
    "end_date_after_15_july": "Rejet - Fin d'année postérieure au 15 juillet",
    "invalid_code": "Rejet - Code de classe ou de groupe invalide",
    "invalid_record": "Rejet - Enregistrement invalide",
    "too_many_set_aside": "Rejet - Trop d'enregistrements non importés",
    "cancelled": "Import annulé",
    "replaced": "Remplacé par un export plus récent",
    "older_than_awaiting": "Rejet - Export plus ancien que celui en attente de validation",
    "edt_sts_instead_of_sts": "Rejet - Fichier EDT_STS au lieu de l'export STS-web",
}
REJECTED_LABEL = "Rejet - Fichier invalide"

THRESHOLD_LABELS = {
    "services_modified": "services d'enseignement modifiés",
    "services_deleted": "services d'enseignement supprimés",
    "sessions_removed": "séances en moins",
    "groups_renamed": "groupes d'option renommés",
    "students_leaving_classes": "élèves quittant leur classe",
    "teachers_leaving_classes": "enseignants quittant une classe ou un groupe",
    "structures_deleted_with_sessions": "classes ou groupes supprimés alors qu'ils portent des séances "
    "(protection de la structure du cahier de textes)",
}


def status_label(status: str, reason: str = "") -> str:
    """The history's French label of an import (001 §3.4)."""
    if status == "rejected":
        return STATUS_LABELS.get(reason, REJECTED_LABEL)
    return STATUS_LABELS.get(status, status)


def _fr_number(x: float) -> str:
    return (f"{x:.1f}".rstrip("0").rstrip(".")).replace(".", ",")


def thresholds_section(over: dict[str, dict[str, Any]]) -> list[str]:
    """Lines of the bilan naming each exceeded threshold (domain-rules §7)."""
    lines = []
    for name, o in sorted(over.items()):
        line = (
            f"{name} ({THRESHOLD_LABELS.get(name, name)}) : {o['count']} sur {o['total']}, soit "
            f"{_fr_number(o['percent'])} % ; seuil {o['limit_count']} et {_fr_number(o['limit_percent'])} %"
        )
        lines.append(line + (" ; ce seuil ne peut jamais être levé" if not o.get("liftable", True) else ""))
    return lines
