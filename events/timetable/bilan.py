"""The bilan of a timetable import in the establishments' French, with the
sections of seed 004 that the export carries data for, and the lists of
what was not imported and why (domain-rules §7, §12).

Pure: from the changes, the matched summary, the snapshots before and after
and the listings the pipeline gathered. Sections the export cannot fill say
why instead of printing made-up zeros.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from events.timetable.changes import Changes
from events.timetable.labels import report, thresholds_section
from events.timetable.snapshot import Snapshot, week_mask_weeks, week_runs, week_start

# What to change in EDT for an end of year after 15 July. Index Education
# documents the academic calendar under Paramètres > Établissement >
# Calendrier; the export is made from Imports/Exports > Socles ENT (seed 004).
EDT_END_OF_YEAR_FR = (
    "dans EDT, menu Paramètres > Établissement > Calendrier : faites finir l'année scolaire au "
    "15 juillet au plus tard (juillet et août en vacances), puis exportez à nouveau "
    "(Imports/Exports > Socles ENT > Export manuel)"
)
EDT_END_OF_YEAR_EN = (
    "in EDT, Paramètres > Établissement > Calendrier (the academic calendar): end the school year on "
    "15 July at the latest, July and August being holidays, then export again (Imports/Exports > "
    "Socles ENT > Export manuel)"
)

REASONS_FR = {
    "not_found": "inconnu de l'annuaire",
    "ambiguous": "plusieurs comptes possibles",
    "no_identity": "ni identifiant ni date de naissance dans l'export",
    "name_changed": "le nom a changé depuis le rapprochement manuel : à confirmer",
    "invalid_code": "code invalide (8 caractères au plus : lettres, chiffres, espace, - ou _)",
    "invalid_weeks": "semaines invalides (@Semaines)",
    "invalid_value": "valeur invalide",
    "invalid_date": "date invalide",
    "missing_field": "valeur obligatoire absente",
    "duplicate_id": "identifiant déjà déclaré dans l'export",
    "unknown_reference": "renvoie à un élément non déclaré dans l'export",
    "structure_set_aside": "porte sur une classe ou un groupe écarté",
}
KIND_FR = {"class": "classe", "group": "groupe", "teacher": "professeur", "student": "élève"}
ACTIONS_FR = {
    ("class", "not_found"): "à rapprocher d'une classe existante (entsync imports match) ou à créer dans SIECLE",
    ("group", "not_found"): "à rapprocher d'un groupe existant (entsync imports match)",
    ("group", "name_changed"): "à rapprocher à nouveau (entsync imports match)",
    ("class", "name_changed"): "à rapprocher à nouveau (entsync imports match)",
    ("group", "invalid_code"): "à renommer dans EDT",
    ("class", "invalid_code"): "à renommer dans EDT",
}


def _n(k: int, one: str, many: str) -> str:
    return f"{k} {one if abs(k) <= 1 else many}"


def _fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------- derived from the weeks


def closures(s: Snapshot) -> set[tuple[int, int]]:
    """Runs of weeks (first, last) without any course between the first and
    the last week that has one: holidays and closures. The export does not
    describe closure periods; they are read from the weeks of its courses."""
    used = set()
    for x in s.sessions:
        used.update(week_mask_weeks(x.weeks))
    if not used:
        return set()
    return set(week_runs(w for w in range(min(used), max(used) + 1) if w not in used))


def alternances(s: Snapshot) -> dict[tuple[str, str], frozenset[int]]:
    """Per service (class or group, subject), the week masks of its sessions
    other than the year's main one (the most common mask): week A / week B,
    halves of a class on alternate weeks."""
    if not s.sessions:
        return {}
    main = Counter(x.weeks for x in s.sessions).most_common(1)[0][0]
    out: dict[tuple[str, str], set[int]] = {}
    for x in s.sessions:
        if x.weeks != main:
            for code in x.classes | x.groups:
                out.setdefault((code, x.subject), set()).add(x.weeks)
    return {k: frozenset(v) for k, v in out.items()}


def weekly(s: Snapshot) -> dict[str, int]:
    """Lessons cancelled and teachers' replacements, in (session, week) units.
    *Uncertain* (formats §4 names the attributes, not their meaning): a
    ``@SemainesAnnulation`` week is a lesson cancelled, a ``@SemainesInclusion``
    week a person included in the course for that week (a replacement)."""
    return {
        "cancellations": sum(bin(x.cancelled).count("1") for x in s.sessions),
        # A teacher included for some weeks, matched or not (@SemainesInclusion).
        "replacements": sum(bin(x.included).count("1") for x in s.sessions),
    }


# ---------------------------------------------------------------------------- sections


def bilan(
    changes: Changes,
    summary: dict[str, tuple[int, int]],
    over: dict[str, dict[str, Any]] | None = None,
    *,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    not_imported: list[dict[str, Any]] | None = None,
    rejections: list[dict[str, Any]] | None = None,
    stats: dict[str, Any] | None = None,
    problems: list[str] | None = None,
    to_create: int | None = None,
) -> dict[str, list[str]]:
    """The report in seed 004's order, with the sections it lacks where the
    export carries the data, then what was not imported and why."""
    base = report(changes, summary)
    if to_create is not None:
        base["Gestion des classes et groupes d'option"][0] = _n(
            to_create, "groupe d'option à créer", "groupes d'option à créer"
        )
    b, a = before or Snapshot(), after
    out: dict[str, list[str]] = {}
    if over:  # why nothing was applied comes first
        out["Seuils dépassés"] = thresholds_section(over)
    if problems:
        out["Problèmes à corriger dans EDT"] = list(problems)
    out["Matières"] = base["Matières"]
    if a is not None:
        out["Périodes de fermeture"] = _closure_lines(b, a)
        out["Alternances"] = _alternance_lines(b, a)
    incomplete = sum(1 for k in changes.services_added if a is not None and not a.services.get(k))
    services = base["Services d'enseignement"]
    services[0] += f" dont {incomplete} incomplet" + ("s" if incomplete > 1 else "")
    out["Services d'enseignement"] = services
    for name in (
        "Classes / Services d'enseignement",
        "Groupes d'option / Services d'enseignement",
        "Enseignants / Cours",
        "Gestion des classes et groupes d'option",
    ):
        out[name] = base[name]
    rows = not_imported or []
    structures = [r for r in rows if r["kind"] in ("class", "group")]
    out["Classes et groupes non importés"] = [_row(r) for r in structures] or ["aucun"]
    teachers = [r for r in rows if r["kind"] == "teacher"]
    out["Enseignants dont les cours n'ont pas été importés"] = [_row(r) for r in teachers] or ["aucun"]
    out["Enregistrements écartés à la lecture"] = _rejection_lines(rejections or [])
    stats = stats or {}
    out["Ignoré sans erreur"] = [
        _n(
            int(stats.get("subject_only", 0)),
            "cours ne portant que sur une matière (rien à appliquer)",
            "cours ne portant que sur une matière (rien à appliquer)",
        ),
        _n(
            int(stats.get("ignored_parts", 0)),
            "référence à une partie de classe qu'aucune classe ne déclare",
            "références à une partie de classe qu'aucune classe ne déclare",
        )
        + " (les parties de classe ne vont pas dans l'ENT)",
        _n(
            int(stats.get("parts_only", 0)),
            "cours sur des parties de classe seulement",
            "cours sur des parties de classe seulement",
        )
        + " (les parties de classe ne vont pas dans l'ENT)",
    ]
    if a is not None:
        out["Semaines de cours"] = _weeks_lines(a)
        out["Bilan des données « emploi du temps à la semaine »"] = _weekly_lines(b, a)
    return out


def _row(r: dict[str, Any]) -> str:
    what = (
        f"{KIND_FR.get(r['kind'], r['kind'])} {r['code'] or r['ident']}"
        if r["kind"] in ("class", "group")
        else f"{KIND_FR.get(r['kind'], r['kind'])} {r['ident']}"
    )
    line = f" (ligne {r['line']})" if r.get("line") else ""
    reason = REASONS_FR.get(r["reason"], r["reason"])
    action = ACTIONS_FR.get((r["kind"], r["reason"]))
    if r["kind"] in ("teacher", "student"):
        n = len(r.get("candidates") or ())
        action = (
            f"{_n(n, 'compte proposé', 'comptes proposés')} : à rapprocher (entsync imports show, "
            "entsync imports match)"
            if n
            else "aucun compte de ce nom dans l'établissement"
        )
    return f"{what}{line} : {reason}" + (f" — {action}" if action else "")


def _rejection_lines(rejections: list[dict[str, Any]]) -> list[str]:
    if not rejections:
        return ["aucun"]
    by = Counter(r["reason"] for r in rejections)
    lines = [f"{n} × {REASONS_FR.get(reason, reason)}" for reason, n in sorted(by.items())]
    lines += [
        f"ligne {r['line']}"
        + (f", {r['record_id']}" if r.get("record_id") else "")
        + f" ({r['field']}) : {REASONS_FR.get(r['reason'], r['reason'])}"
        for r in rejections[:20]
    ]
    if len(rejections) > 20:
        lines.append(f"… et {len(rejections) - 20} autres (entsync imports show)")
    return lines


def _span(calendar: dict[str, str], first: int, last: int) -> str:
    if not calendar.get("first_week_day"):
        return f"semaines {first} à {last}"
    start, end = week_start(calendar, first), week_start(calendar, last) + timedelta(days=6)
    weeks = f"semaine {first}" if first == last else f"semaines {first} à {last}"
    return f"du {_fr(start)} au {_fr(end)} ({weeks})"


def _closure_lines(b: Snapshot, a: Snapshot) -> list[str]:
    old, new = closures(b), closures(a)
    added, removed = sorted(new - old), sorted(old - new)
    lines = [
        _n(len(added), "période de fermeture ajoutée", "périodes de fermeture ajoutées"),
        _n(len(removed), "période de fermeture supprimée", "périodes de fermeture supprimées"),
    ]
    lines += [f"ajoutée : {_span(a.calendar, f, t)}" for f, t in added]
    lines += [f"supprimée : {_span(b.calendar or a.calendar, f, t)}" for f, t in removed]
    lines.append("(l'export ne décrit pas les fermetures : ce sont les semaines sans aucun cours)")
    return lines


def _alternance_lines(b: Snapshot, a: Snapshot) -> list[str]:
    old, new = alternances(b), alternances(a)
    added = sum(1 for k in new if k not in old)
    modified = sum(1 for k in new if k in old and old[k] != new[k])
    removed = sum(1 for k in old if k not in new)
    return [
        _n(added, "alternance ajoutée", "alternances ajoutées"),
        _n(modified, "alternance modifiée", "alternances modifiées"),
        _n(removed, "alternance supprimée", "alternances supprimées"),
    ]


def _weeks_lines(a: Snapshot) -> list[str]:
    used = sorted({w for x in a.sessions for w in week_mask_weeks(x.weeks)})
    if not used:
        return ["aucune séance"]
    cal = a.calendar
    if not cal.get("first_week_day"):
        return [f"semaines {used[0]} à {used[-1]}"]
    first, last = week_start(cal, used[0]), week_start(cal, used[-1]) + timedelta(days=6)
    return [
        f"première semaine de cours : semaine {used[0]}, du {_fr(first)}",
        f"dernière semaine de cours : semaine {used[-1]}, jusqu'au {_fr(last)}",
        f"année scolaire de l'export : du {_fr(date.fromisoformat(cal['starts_on']))} au "
        f"{_fr(date.fromisoformat(cal['ends_on']))}",
    ]


def _weekly_lines(b: Snapshot, a: Snapshot) -> list[str]:
    old, new = weekly(b), weekly(a)

    def gap(name: str, one: str, many: str) -> str:
        d = new[name] - old[name]
        return f"Écart depuis l'import précédent : {_n(abs(d), one, many)} en {'plus' if d >= 0 else 'moins'}"

    return [
        gap("replacements", "remplacement", "remplacements"),
        f"Total cumulé de remplacements depuis le début de l'année scolaire : {new['replacements']}",
        "Annulations de cours",
        "  " + gap("cancellations", "annulation de cours", "annulations de cours"),
        f"  Total cumulé d'annulations de cours depuis le début de l'année scolaire : {new['cancellations']}",
        "Cours exceptionnels : non décrits par l'export ENT (ni élément ni attribut ne les distingue)",
    ]
