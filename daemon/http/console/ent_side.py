"""What the account page tells support staff in French beyond the
explanation (issue 16): what the ENT knows when a ticket says "cannot reach
Pronote" (the account's state and login, whether Pronote identifiers may be
matched with it and why not — projections/pronote_block.py, domain-rules
§5 — and that the rest is Index Education's), and which anomaly details
are worth showing. Pure: a function of the account read's row."""

from __future__ import annotations

from typing import Any

# Kinds whose detail (English, made for the CLI) the French label, the action,
# the date, the decision and the timeline already say: the console drops it.
SAID_ELSEWHERE = frozenset(
    {"creation_overdue", "provisional_removal_date", "couple_in_one_record", "suspected_overwrite",
     "guardians_swapped", "suspected_duplicate"}
)  # fmt: skip
_AS_DUPLICATE = ("duplicate_of:", "marked_duplicate_of:")


def technical(row: dict[str, Any]) -> str:
    """An anomaly's detail when it says what its label does not (a field, a
    file and line, a structure, the source lacking a class), else ""."""
    code = row.get("code") or row.get("anomaly") or ""
    return "" if code in SAID_ELSEWHERE else row.get("detail") or ""


def pronote(detail: dict[str, Any], state: str) -> list[str]:
    """The ENT's side of a Pronote ticket, in French sentences; ``state`` is the state's French label."""
    login = detail.get("login") or ""
    active = detail.get("state") == "active"
    out = [
        f"Côté ENT : compte « {state} », "
        + (f"identifiant « {login} »." if login else "pas encore d'identifiant (le compte n'est pas encore créé).")
    ]
    if not active:
        out.append("Le compte n'est pas actif : la personne ne peut pas se connecter à l'ENT, ni par lui à Pronote.")
    if detail.get("pronote_matching_blocked"):
        out.append(
            "Les identifiants Pronote ne peuvent pas être rapprochés de ce compte : "
            + _why_blocked(detail)
            + " (pas d'identifiants Pronote sur un compte qui a un doublon, même désactivé : domain-rules §5). "
            "Le rapprochement reprend quand le doublon est supprimé ou sa marque annulée par un opérateur."
        )
    else:
        out.append("Rien ne bloque côté ENT le rapprochement des identifiants Pronote de ce compte.")
    out.append(
        "Le reste (le compte Pronote, ses identifiants, l'accès depuis Pronote) relève de Pronote, "
        "c'est-à-dire d'Index Education : orienter l'établissement vers son assistance Pronote."
    )
    return out


def _why_blocked(detail: dict[str, Any]) -> str:
    reason = detail.get("state_reason") or ""
    if detail.get("state") == "deactivated" and reason.startswith(_AS_DUPLICATE):
        return f"ce compte est désactivé comme doublon de {reason.partition(':')[2]}"
    return (
        "un doublon de ce compte a été confirmé (un autre compte désactivé comme son doublon, ou une paire confirmée)"
    )
