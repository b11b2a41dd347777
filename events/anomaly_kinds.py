"""The catalogue of anomaly kinds (issue 15): every code `entsync anomalies`,
the HTTP API and the metrics name, with its French and English labels and
what an operator does about it. Support staff and establishments read the
labels and actions (French by default); the codes are stable — they are
metric label values and scripts filter on them — so a code keeps its
spelling once listed.

``decidable`` kinds are those an operator confirms or dismisses
(`entsync anomalies confirm|dismiss ID`); the others are states that end
when their cause is corrected at the source or by an operator's action.

A data table (exempt from the module length rule): one entry per kind.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label_fr: str
    label_en: str
    action_fr: str
    action_en: str
    decidable: bool = False

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr

    def action(self, lang: str) -> str:
        return self.action_en if lang == "en" else self.action_fr


LANGS = ("fr", "en")

_IMPLAUSIBLE_FR = (
    "Faire corriger la fiche dans la source (AAF ou SIECLE) ; le champ reste écarté jusqu'à la livraison corrigée."
)
_IMPLAUSIBLE_EN = "Have the record corrected at the source (AAF or SIECLE); the field stays set aside until then."

_ALL = (
    # ---- accounts and their lifecycle (projections/account_queries.py) --------------------
    Kind(
        "creation_overdue",
        "Création de compte en retard",
        "Account creation overdue",
        "Vérifier que l'ordonnanceur tourne (entsync_scheduler_last_run_timestamp_seconds) puis lancer entsync tick.",
        "Check that the scheduler runs (entsync_scheduler_last_run_timestamp_seconds), then run entsync tick.",
    ),
    Kind(
        "provisional_removal_date",
        "Date de suppression provisoire",
        "Provisional removal date",
        "Renseigner le calendrier des vacances de Toussaint de l'année concernée dans la configuration.",
        "Set the Toussaint holidays of that year in the configuration's calendar.",
    ),
    Kind(
        "couple_in_one_record",
        "Couple saisi comme un seul responsable",
        "Couple typed as one guardian",
        "Demander à l'établissement de saisir chaque responsable sur sa propre fiche dans SIECLE.",
        "Ask the establishment to type each guardian on a record of their own in SIECLE.",
    ),
    # ---- identity incidents (domain-rules §5) ------------------------------------------------
    Kind(
        "suspected_overwrite",
        "Compte écrasé suspecté",
        "Suspected overwritten account",
        "Comparer avec entsync history, puis confirmer (nouveau compte pour la nouvelle personne) ou écarter.",
        "Compare with entsync history, then confirm (a new account for the new person) or dismiss.",
        decidable=True,
    ),
    Kind(
        "guardians_swapped",
        "Responsables intervertis",
        "Guardians swapped",
        "Vérifier les deux fiches avec l'établissement, puis confirmer l'échange ou l'écarter.",
        "Check both records with the establishment, then confirm the swap or dismiss it.",
        decidable=True,
    ),
    Kind(
        "suspected_duplicate",
        "Doublon suspecté",
        "Suspected duplicate",
        "Vérifier avec l'établissement s'il s'agit d'une même personne ; confirmer (doublon) ou écarter.",
        "Check with the establishment whether it is one person; confirm (a duplicate) or dismiss.",
        decidable=True,
    ),
    Kind(
        "marked_duplicate",
        "Doublon marqué par un opérateur",
        "Duplicate marked by an operator",
        "Faire supprimer la fiche en double dans la source qui la livre encore ; le compte part à la date prévue.",
        "Have the duplicate record deleted from the source still delivering it; the account goes at its date.",
    ),
    Kind(
        "manual_account_of_aaf_person",
        "Compte manuel ou invité d'une personne présente dans l'AAF",
        "Manual or guest account of a person the AAF carries",
        "Fusionner le compte manuel dans le compte AAF (entsync admin merge) ou le clore.",
        "Merge the manual account into the AAF one (entsync admin merge) or end it.",
    ),
    # ---- merges (issue 14, projections/merge_anomalies.py) -----------------------------------
    Kind(
        "merge_side_departed",
        "Compte fusionné parti alors que l'autre est actif",
        "Merged survivor gone while the absorbed account is active",
        "Défaire la fusion (entsync admin unmerge) ou laisser partir le compte.",
        "Unmerge (entsync admin unmerge) or let the account go.",
    ),
    Kind(
        "merged_but_delivered_twice",
        "Comptes fusionnés encore livrés comme deux personnes",
        "Merged accounts still delivered as two persons",
        "Faire corriger la source nommée (fiche en double) ; la fusion tient en attendant.",
        "Have the named source corrected (a record typed twice); the merge holds meanwhile.",
    ),
    # ---- fields set aside for an implausible value (domain-rules §12, adapters/plausibility.py)
    Kind(
        "birth_date_in_future",
        "Date de naissance dans le futur",
        "Birth date in the future",
        _IMPLAUSIBLE_FR,
        _IMPLAUSIBLE_EN,
    ),
    Kind(
        "birth_date_before_1900",
        "Date de naissance avant 1900",
        "Birth date before 1900",
        _IMPLAUSIBLE_FR,
        _IMPLAUSIBLE_EN,
    ),
    Kind("name_blank", "Nom composé d'espaces", "Name of whitespace only", _IMPLAUSIBLE_FR, _IMPLAUSIBLE_EN),
    Kind("name_too_long", "Nom trop long", "Name too long", _IMPLAUSIBLE_FR, _IMPLAUSIBLE_EN),
    Kind(
        "name_control_characters",
        "Nom avec caractères de contrôle",
        "Name with control characters",
        _IMPLAUSIBLE_FR,
        _IMPLAUSIBLE_EN,
    ),
    Kind(
        "name_invisible_characters",
        "Nom avec caractères invisibles",
        "Name with invisible characters",
        _IMPLAUSIBLE_FR,
        _IMPLAUSIBLE_EN,
    ),
    # ---- structures and what points nowhere (domain-rules §12, projections/served.py) -------
    Kind(
        "structure_code_invalid",
        "Code de structure sans lettre clé valide",
        "Structure code fails its check letter",
        "Aucune action si c'est une structure administrative ; sinon signaler le code à l'académie.",
        "None for an administrative structure; otherwise report the code to the académie.",
    ),
    Kind(
        "unknown_structure",
        "Rattachement à une structure inconnue",
        "Attached to a structure the directory does not hold",
        "Signaler à l'académie la structure absente de la livraison (ou sa fiche rejetée).",
        "Report the structure missing from the delivery (or its rejected record) to the académie.",
    ),
    Kind(
        "no_known_structure",
        "Personne rattachée à aucune structure connue",
        "Person attached to no known structure",
        "Signaler à l'académie : la personne n'a aucune structure livrée ; le compte est gardé.",
        "Report to the académie: the person has no delivered structure; the account is kept.",
    ),
    Kind(
        "not_served",
        "Enseignant du 1er degré (structure non desservie)",
        "1st-degree teacher (structure not served)",
        "Escalader à l'académie ; ne pas créer de compte invité à la place.",
        "Escalate to the académie; do not create a guest account instead.",
    ),
    Kind(
        "teacher_category_contradicts_functions",
        "Catégorie d'enseignant contraire aux fonctions",
        "Teacher category contradicts the functions",
        "Faire corriger la catégorie ou les fonctions de la fiche dans l'annuaire académique.",
        "Have the record's category or functions corrected in the académie's directory.",
    ),
    # ---- classes (issue 15, projections/class_anomalies.py) ---------------------------------
    Kind(
        "teacher_without_classes",
        "Enseignant sans classe",
        "Teacher without classes",
        "Vérifier la source nommée : service STS-web, cours de l'emploi du temps, classes de l'AAF.",
        "Check the source named: STS-web service, timetable courses, AAF classes.",
    ),
    Kind(
        "pupil_without_class",
        "Élève sans classe",
        "Pupil without a class",
        "Faire affecter l'élève à une division dans SIECLE (l'AAF suit).",
        "Have the pupil put in a division in SIECLE (the AAF follows).",
    ),
)

KINDS: dict[str, Kind] = {k.code: k for k in _ALL}
DECIDABLE = frozenset(code for code, k in KINDS.items() if k.decidable)


def kind_of(code: str) -> Kind:
    """The entry of ``code``; a code the catalogue lacks (a store written by a
    later release) is shown as itself rather than refused."""
    return KINDS.get(code) or Kind(code, code, code, "", "")


def parse_kinds(values: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The codes of repeated or comma-separated ``--kind`` values; an unknown
    one raises ValueError with one line naming it."""
    codes = {c.strip() for v in values for c in v.split(",") if c.strip()}
    unknown = sorted(codes - KINDS.keys())
    if unknown:
        raise ValueError(f"unknown anomaly kind {', '.join(unknown)} (known: {', '.join(sorted(KINDS))})")
    return frozenset(codes)
