"""The ENT's side of a Pronote ticket and the anomaly details worth
showing, as the account page says them (daemon/http/console/ent_side.py),
as tables of the account read's rows."""

from __future__ import annotations

import pytest

from daemon.http.console.ent_side import pronote, technical

ACTIVE = {"state": "active", "login": "margaux.perrot", "state_reason": "", "pronote_matching_blocked": False}

CASES = {
    "active, nothing blocks": (
        ACTIVE,
        "actif",
        ["compte « actif », identifiant « margaux.perrot »", "Rien ne bloque côté ENT"],
        ["n'est pas actif", "ne peuvent pas être rapprochés"],
    ),
    "deactivated as a duplicate": (
        {**ACTIVE, "state": "deactivated", "state_reason": "marked_duplicate_of:J42", "pronote_matching_blocked": True},
        "désactivé",
        ["n'est pas actif", "ne peuvent pas être rapprochés", "désactivé comme doublon de J42", "domain-rules §5"],
        ["Rien ne bloque"],
    ),
    "its duplicate confirmed elsewhere": (
        {**ACTIVE, "pronote_matching_blocked": True},
        "actif",
        ["ne peuvent pas être rapprochés", "un doublon de ce compte a été confirmé"],
        ["n'est pas actif", "Rien ne bloque"],
    ),
    "not created yet": (
        {**ACTIVE, "state": "pending", "login": ""},
        "en attente de création",
        ["pas encore d'identifiant", "n'est pas actif"],
        ["identifiant « "],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_pronote_section_says_the_ent_side_and_leaves_the_rest_to_index_education(case):
    row, state, said, unsaid = CASES[case]
    text = " ".join(pronote(row, state))
    assert [s for s in said if s not in text] == [], text
    assert [s for s in unsaid if s in text] == [], text
    assert "Index Education" in text


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        ({"code": "suspected_overwrite", "detail": "0f1e2d3c open: x.xml:3 (delivery d)"}, ""),
        ({"anomaly": "creation_overdue", "detail": "2026-09-01T06:00:00+00:00"}, ""),
        ({"anomaly": "name_blank", "detail": "field sn set aside: x.xml:3"}, "field sn set aside: x.xml:3"),
        ({"code": "teacher_without_classes", "detail": ""}, ""),
    ],
)
def test_a_detail_is_shown_only_when_it_says_what_the_label_does_not(row, shown):
    assert technical(row) == shown
